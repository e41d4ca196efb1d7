/* Fixture for check_seam_selftest.py. */
void b_run(void)
{
	a_run();
}
