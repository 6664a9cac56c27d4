# SPDX-License-Identifier: GPL-3.0-or-later
# Every SQL statement lives under engine/store/, behind typed methods (one implementation per
# dialect): no other source of the product builds a QSqlQuery or holds SQL text. Tests and
# benchmarks may read a store directly.
file(GLOB_RECURSE sources
     ${SOURCE_DIR}/engine/*.cpp ${SOURCE_DIR}/engine/*.h
     ${SOURCE_DIR}/ui/*.cpp ${SOURCE_DIR}/ui/*.h
     ${SOURCE_DIR}/app/*.cpp ${SOURCE_DIR}/app/*.h
     ${SOURCE_DIR}/server/*.cpp ${SOURCE_DIR}/server/*.h
     ${SOURCE_DIR}/nodesim/*.cpp ${SOURCE_DIR}/nodesim/*.h)
list(FILTER sources EXCLUDE REGEX "^${SOURCE_DIR}/engine/store/")
list(LENGTH sources count)
if(count LESS 50)
  message(FATAL_ERROR "only ${count} sources found under ${SOURCE_DIR}: the check is not looking at the right tree")
endif()
# A query object, or a string literal that starts an SQL statement.
set(sql "QSqlQuery|\"(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|ALTER|DROP|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|VACUUM|WITH|SET|SHOW|LISTEN|NOTIFY|COPY|TRUNCATE) ")
set(found "")
foreach(f IN LISTS sources)
  file(STRINGS ${f} lines REGEX "${sql}")
  if(lines)
    file(RELATIVE_PATH name ${SOURCE_DIR} ${f})
    string(APPEND found "${name}: ${lines}\n")
  endif()
endforeach()
if(found)
  message(FATAL_ERROR "SQL outside engine/store/ (put the statement behind a typed store method):\n${found}")
endif()
message(STATUS "no SQL outside engine/store/ (${count} sources read)")
