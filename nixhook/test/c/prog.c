/*
 * A program that calls one function from each library it links and prints name=value lines.
 * CALLS is a list of X(function) entries, e.g. -D'CALLS=X(foo_value) X(bar_value)'.
 */
#include <stdio.h>

#define X(f) int f(void);
CALLS
#undef X

int main(void)
{
#define X(f) printf("%s=%d\n", #f, f());
	CALLS
#undef X
	return 0;
}
