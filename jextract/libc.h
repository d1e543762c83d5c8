/* The libc headers behind io.kvcourier.verbs.gen.libc_h (jextract takes one header). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
