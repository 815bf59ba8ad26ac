// Command cxx calls C++ that uses iostream and std::string. Built for
// windows with MinGW and without -static, it imports libstdc++-6.dll and
// libgcc_s_seh-1.dll. It is a fixture for verify's tests.
package main

// extern int greet(void);
import "C"

func main() { C.greet() }
