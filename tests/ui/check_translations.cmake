# SPDX-License-Identifier: GPL-3.0-or-later
execute_process(COMMAND ${LRELEASE} ${TS} -qm ${CMAKE_CURRENT_BINARY_DIR}/check.qm OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES " 0 unfinished")
  message(FATAL_ERROR "translations incomplete: ${out}${err}")
endif()
message(STATUS "${out}")
