/* Fixture for check_seam_selftest.py. */
void d_run(void)
{
	c_two();
}
