# tinydlInstall.cmake — install rules: headers, library, CMake package, pkg-config file.
# (filled in by the packaging work; see tests/packaging)
