#ifndef SERVESTACK_CYAML_SHIM_H
#define SERVESTACK_CYAML_SHIM_H
#include <yaml.h>
#endif
