#include <iostream>
#include <string>

extern "C" int greet(void) {
	std::string s = "hello from C++";
	std::cout << s << std::endl;
	return 0;
}
