/*
 * bcryptprimitives.dll for Wine 8 (Debian 12), which lacks ProcessPrng:
 * Go 1.24 and later take their random bytes from it on Windows and stop
 * at start without it. It fills the buffer with RtlGenRandom, as Wine's
 * own later versions do. Built with MinGW by .ci/wine-tests.
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!RtlGenRandom(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
