/**
 * @file sim_priv.h  Private to src/sim/: the small YAML tree the persona
 * loader reads (every node keeps its line and column), and the shared
 * diagnostics helper.
 */
#include <stdarg.h>

enum pnode_type {
	PNODE_SCALAR = 0,
	PNODE_SEQ,
	PNODE_MAP,
};

/* A YAML node. Maps keep keys and values interleaved in items; n counts
 * items (so a map has n / 2 pairs). A mem object: freeing the root frees
 * the tree. */
struct pnode {
	enum pnode_type type;
	char *str;             /* scalar text (NUL-terminated) */
	bool plain;            /* an unquoted scalar: may be a number, bool */
	unsigned line, col;
	struct pnode **items;
	size_t n, alloc;
};

/** Parse buf into a tree; YAML errors, aliases, duplicate keys, keys
 *  that are not scalars and nesting deeper than 32 go to d. An empty
 *  document gives *rootp NULL and 0. @return 0, EINVAL, ENOMEM */
int pnode_parse(struct pnode **rootp, const char *buf, size_t len,
		struct persona_diags *d);

/** Add one error at line:col. */
void pdiag(struct persona_diags *d, unsigned line, unsigned col,
	   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/** mem_realloc() that also takes NULL (libre's does not allocate then). */
void *pmem_grow(void *p, size_t size);
