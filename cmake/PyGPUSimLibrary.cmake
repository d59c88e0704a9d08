# pygpu_add_sim_library: build CUDA/HIP sources for PyGPU's simulated device.
#
#   pygpu_add_sim_library(<name> SOURCES <files...>
#                         [INCLUDE_DIRECTORIES <dirs...>]
#                         [COMPILE_OPTIONS <options...>]
#                         [DEPENDS <files...>]
#                         [OUTPUT_NAME <output name>])
#
# builds the shared library lib<output name>.so (default: lib<name>.so) in
# CMAKE_LIBRARY_OUTPUT_DIRECTORY (else the current binary directory) from the
# same .cu / HIP .cpp files that nvcc or hipcc build for a GPU, with PyGPU's
# compiler driver, exactly as on the command line:
#
#   <Python_EXECUTABLE> -m PyGPU.cc -shared -O2 -I<dir>... <options>... -o lib<name>.so <sources>...
#
# and makes <name> an IMPORTED shared library target for it, so that
# target_link_libraries(my_target PRIVATE <name>) links it and builds it
# first. $<TARGET_FILE:<name>> is the file; install it with
# install(FILES $<TARGET_FILE:<name>> DESTINATION ...) next to its users
# (with an INSTALL_RPATH of $ORIGIN on them).
#
# Why the driver builds the whole library instead of CMake compiling
# translated sources: the driver is the one implementation of the source
# translation, of the choice between loop and fiber kernels (which looks
# across the sources), of the device-support code linked into every library
# and of the link to libpygpu_sim; CMake calling it keeps a library built
# here identical to one built by `python -m PyGPU.cc` or PyGPU.sim.compile().
#
# - COMPILE_OPTIONS are nvcc's (-D, -U, -std=, -Xcompiler ..., -lineinfo,
#   -arch ... are accepted); the build type adds -O0 -g (Debug), -O2 -g
#   (RelWithDebInfo), -Os (MinSizeRel) or -O2 (Release, and no build type).
# - The C++ compiler is CMAKE_CXX_COMPILER when the project enabled CXX
#   (passed to the driver as CXX), else the driver's choice ($CXX, else c++).
# - DEPENDS: headers and other files whose change must rebuild the library
#   (the sources always do).
# - Python_EXECUTABLE (else Python3_EXECUTABLE, else the interpreter that
#   find_package(Python) finds) must import this PyGPU: the one whose
#   PyGPUConfig.cmake was found. Configuring checks it.
#
# The library runs on the simulated device that PyGPU's Python API uses in
# the same process (load it after `import PyGPU`), or in an executable that
# links it (no Python needed). See docs/kernels.md.

# The interpreter that runs the driver. It must import the PyGPU this package
# belongs to: checked once per interpreter and build tree.
function(_pygpu_sim_python out)
  if(Python_EXECUTABLE)
    set(python "${Python_EXECUTABLE}")
  elseif(Python3_EXECUTABLE)
    set(python "${Python3_EXECUTABLE}")
  else()
    find_package(Python COMPONENTS Interpreter QUIET)
    if(NOT Python_EXECUTABLE)
      message(FATAL_ERROR "pygpu_add_sim_library: no Python interpreter found; set Python_EXECUTABLE to the "
                          "interpreter PyGPU is installed for")
    endif()
    set(python "${Python_EXECUTABLE}")
  endif()
  set(${out} "${python}" PARENT_SCOPE)
  # This file is <package>/cmake/PyGPUSimLibrary.cmake.
  get_filename_component(package "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/.." REALPATH)
  if(python STREQUAL "${_PYGPU_SIM_PYTHON_CHECKED}")
    return()
  endif()
  execute_process(COMMAND "${python}" -c "import os, PyGPU; print(os.path.realpath(os.path.dirname(PyGPU.__file__)))"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE found ERROR_VARIABLE error OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pygpu_add_sim_library: ${python} cannot import PyGPU (${error}); set Python_EXECUTABLE "
                        "to the interpreter PyGPU is installed for")
  endif()
  if(NOT found STREQUAL package)
    message(FATAL_ERROR "pygpu_add_sim_library: ${python} imports PyGPU from ${found}, but this PyGPU CMake "
                        "package belongs to ${package}; set Python_EXECUTABLE to the interpreter of "
                        "that installation (or PyGPU_DIR to ${found}/cmake)")
  endif()
  set(_PYGPU_SIM_PYTHON_CHECKED "${python}" CACHE INTERNAL "The interpreter checked to run PyGPU's compiler driver")
endfunction()

function(pygpu_add_sim_library name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "OUTPUT_NAME" "SOURCES;INCLUDE_DIRECTORIES;COMPILE_OPTIONS;DEPENDS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "pygpu_add_sim_library(${name}): unknown argument(s) ${ARG_UNPARSED_ARGUMENTS}; "
                        "expected SOURCES, INCLUDE_DIRECTORIES, COMPILE_OPTIONS, DEPENDS, OUTPUT_NAME")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "pygpu_add_sim_library(${name}): no SOURCES given")
  endif()
  if(TARGET ${name})
    message(FATAL_ERROR "pygpu_add_sim_library(${name}): a target named ${name} already exists")
  endif()
  _pygpu_sim_python(python)

  if(NOT ARG_OUTPUT_NAME)
    set(ARG_OUTPUT_NAME ${name})
  endif()
  if(CMAKE_LIBRARY_OUTPUT_DIRECTORY)
    set(dir "${CMAKE_LIBRARY_OUTPUT_DIRECTORY}")
  else()
    set(dir "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  set(output "${dir}/${CMAKE_SHARED_LIBRARY_PREFIX}${ARG_OUTPUT_NAME}${CMAKE_SHARED_LIBRARY_SUFFIX}")

  set(sources "")
  foreach(source IN LISTS ARG_SOURCES)
    get_filename_component(source "${source}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    if(NOT EXISTS "${source}")
      message(FATAL_ERROR "pygpu_add_sim_library(${name}): source ${source} does not exist")
    endif()
    list(APPEND sources "${source}")
  endforeach()
  set(depends "")
  foreach(file IN LISTS ARG_DEPENDS)
    get_filename_component(file "${file}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND depends "${file}")
  endforeach()
  set(includes "")
  foreach(include IN LISTS ARG_INCLUDE_DIRECTORIES)
    get_filename_component(include "${include}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND includes "-I${include}")
  endforeach()

  set(optimise "$<IF:$<CONFIG:Debug>,-O0;-g,$<IF:$<CONFIG:RelWithDebInfo>,-O2;-g,$<IF:$<CONFIG:MinSizeRel>,-Os,-O2>>>")
  set(launcher "")
  if(CMAKE_CXX_COMPILER)
    set(launcher "${CMAKE_COMMAND}" -E env "CXX=${CMAKE_CXX_COMPILER}")
  endif()
  file(MAKE_DIRECTORY "${dir}")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND ${launcher} "${python}" -m PyGPU.cc -shared "${optimise}" ${includes} ${ARG_COMPILE_OPTIONS}
            -o "${output}" ${sources}
    DEPENDS ${sources} ${depends}
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    COMMENT "Building ${CMAKE_SHARED_LIBRARY_PREFIX}${ARG_OUTPUT_NAME}${CMAKE_SHARED_LIBRARY_SUFFIX} for PyGPU's simulated device (python -m PyGPU.cc)"
    VERBATIM COMMAND_EXPAND_LISTS)
  add_custom_target(${name}_pygpu_cc DEPENDS "${output}")

  # IMPORTED: CMake links the file the driver made. NO_SONAME: the driver
  # sets none, so CMake links it by name (-l) and the dependents find it
  # through their RPATH, not through the absolute path of this build tree.
  add_library(${name} SHARED IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES IMPORTED_LOCATION "${output}" IMPORTED_NO_SONAME TRUE)
  add_dependencies(${name} ${name}_pygpu_cc)
endfunction()
