#ifndef SERVESTACK_CARCHIVE_SHIM_H
#define SERVESTACK_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

// archive_entry_filetype values are octal macros; named constants keep the Swift side readable.
static const unsigned int ss_AE_IFMT = AE_IFMT;
static const unsigned int ss_AE_IFREG = AE_IFREG;
static const unsigned int ss_AE_IFLNK = AE_IFLNK;
static const unsigned int ss_AE_IFDIR = AE_IFDIR;
static const unsigned int ss_AE_IFCHR = AE_IFCHR;
static const unsigned int ss_AE_IFBLK = AE_IFBLK;
static const unsigned int ss_AE_IFIFO = AE_IFIFO;
static const unsigned int ss_AE_IFSOCK = AE_IFSOCK;
#endif
