# SPDX-License-Identifier: MIT
# lipc.pc is right for any libdir and includedir, relative or absolute: configure the source tree
# afresh for each, install the pkgconfig component into a DESTDIR, and read the lipc.pc installed.
# Run by CTest: cmake -DSOURCE=<source tree> -DWORK=<scratch directory> -DCC=<compiler> -P pc.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var SOURCE WORK CC)
	if(NOT DEFINED ${var})
		message(FATAL_ERROR "pc.cmake: -D${var}= is missing")
	endif()
endforeach()

# check_pc(NAME PREFIX LIBDIR INCLUDEDIR WANT_LIBDIR WANT_INCLUDEDIR)
function(check_pc name prefix libdir includedir want_libdir want_includedir)
	set(build ${WORK}/${name}/build)
	set(dest ${WORK}/${name}/dest)
	file(REMOVE_RECURSE ${WORK}/${name})
	execute_process(
		COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${build} -DBUILD_TESTING=OFF
			-DCMAKE_C_COMPILER=${CC} -DCMAKE_INSTALL_PREFIX=${prefix}
			-DCMAKE_INSTALL_LIBDIR=${libdir} -DCMAKE_INSTALL_INCLUDEDIR=${includedir}
		RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "${name}: configuring failed:\n${out}")
	endif()
	execute_process(
		COMMAND ${CMAKE_COMMAND} -E env DESTDIR=${dest}
			${CMAKE_COMMAND} --install ${build} --component pkgconfig
		RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "${name}: installing lipc.pc failed:\n${out}")
	endif()
	set(pc ${dest}${want_libdir}/pkgconfig/lipc.pc)
	if(NOT EXISTS ${pc})
		message(FATAL_ERROR "${name}: lipc.pc is not at ${want_libdir}/pkgconfig:\n${out}")
	endif()
	file(STRINGS ${pc} lines)
	foreach(want "prefix=${prefix}" "libdir=${want_libdir}" "includedir=${want_includedir}"
			"Libs: -L\${libdir} -llipc" "Cflags: -I\${includedir}")
		list(FIND lines "${want}" at)
		if(at EQUAL -1)
			list(JOIN lines "\n" text)
			message(FATAL_ERROR "${name}: lipc.pc has no line \"${want}\":\n${text}")
		endif()
	endforeach()
	list(FILTER lines INCLUDE REGEX "^Version: ")
	if(NOT lines MATCHES "^Version: [0-9]+\\.[0-9]+\\.[0-9]+$")
		message(FATAL_ERROR "${name}: lipc.pc has no version: ${lines}")
	endif()
	# With pkg-config at hand, it reads the file as a user's build would.
	find_program(PKG_CONFIG pkg-config)
	if(PKG_CONFIG)
		execute_process(
			COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${dest}${want_libdir}/pkgconfig
				PKG_CONFIG_LIBDIR=${dest}${want_libdir}/pkgconfig
				${PKG_CONFIG} --cflags --libs lipc
			RESULT_VARIABLE rc OUTPUT_VARIABLE flags ERROR_VARIABLE flags
			OUTPUT_STRIP_TRAILING_WHITESPACE)
		if(NOT rc EQUAL 0 OR NOT flags STREQUAL "-I${want_includedir} -L${want_libdir} -llipc")
			message(FATAL_ERROR "${name}: pkg-config --cflags --libs lipc says \"${flags}\"")
		endif()
	endif()
	file(REMOVE_RECURSE ${WORK}/${name})
	message(STATUS "${name}: libdir=${want_libdir} includedir=${want_includedir}")
endfunction()

check_pc(absolute /usr /opt/x/lib /opt/x/include /opt/x/lib /opt/x/include)
check_pc(relative /usr lib64 include/x /usr/lib64 /usr/include/x)
