/* Fixture for check_seam_selftest.py: a_run is defined in both branches; only the first
 * calls b.c, which calls back: a circle that only a reader of both branches sees. */
#ifdef HAVE_URING
void a_run(void)
{
	b_run();
}
#else
void a_run(void)
{
}
#endif
