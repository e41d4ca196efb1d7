/* Fixture for check_seam_selftest.py: c_one opens a block in each branch and closes it once,
 * so a reader that keeps both branches loses count of braces and never sees c_two. */
int c_one(int x)
{
#ifdef HAVE_URING
	if (x) {
#else
	if (!x) {
#endif
		x++;
	}
	return x;
}

void c_two(void)
{
	d_run();
}
