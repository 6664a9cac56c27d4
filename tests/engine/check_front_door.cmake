# SPDX-License-Identifier: GPL-3.0-or-later
# Front ends (ui/, app/) reach the engine only through its one interface (engine/api): none
# of them includes the engine's internals.
file(GLOB_RECURSE sources ${SOURCE_DIR}/ui/*.cpp ${SOURCE_DIR}/ui/*.h ${SOURCE_DIR}/app/*.cpp ${SOURCE_DIR}/app/*.h)
set(internals "store/store.h|store/apitokenstore.h|sync/syncservice.h|sync/deliveryengine.h|sync/outboxwriter.h|cluster/clustermanager.h|cluster/healthchecker.h|host/engine.h|host/enginehost.h")
set(found "")
foreach(f IN LISTS sources)
  file(STRINGS ${f} lines REGEX "#include \"(${internals})\"")
  if(lines)
    string(APPEND found "${f}: ${lines}\n")
  endif()
endforeach()
if(found)
  message(FATAL_ERROR "front ends include engine internals (use engine/api):\n${found}")
endif()
