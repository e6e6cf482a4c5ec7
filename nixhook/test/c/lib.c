/*
 * A shared library exporting one function, NAME, returning VALUE. Built with -DDEP=fn it also
 * needs another library and returns VALUE + fn(), so its own DT_NEEDED must resolve too.
 * Example: gcc -shared -fPIC -DNAME=foo_value -DVALUE=42 -Wl,-soname,libfoo.so.1 lib.c -o libfoo.so.1
 */
#ifdef DEP
int DEP(void);
#endif

int NAME(void)
{
#ifdef DEP
	return VALUE + DEP();
#else
	return VALUE;
#endif
}
