/* The resource table: kernel ids, names, units and how each maps onto a stock kernel. */
#include <stddef.h>
#include <strings.h>

#include "core/model/model.h"

/* The class is what a stock kernel lets us promise (design.md): refusals counted
 * where a cgroup v2 controller enforces the limit, exact accounting elsewhere. */
static const struct ubc_res table[UB_PARAM_COUNT] = {
	[UB_KMEMSIZE]     = { UB_KMEMSIZE, "kmemsize", "KMEMSIZE", VZ_UNIT_BYTES, BC_ACCOUNTED, 'k', "KMEMSIZE" },
	[UB_LOCKEDPAGES]  = { UB_LOCKEDPAGES, "lockedpages", "LOCKEDPAGES", VZ_UNIT_PAGES, BC_ACCOUNTED, 'l', "LOCKEDP" },
	[UB_PRIVVMPAGES]  = { UB_PRIVVMPAGES, "privvmpages", "PRIVVMPAGES", VZ_UNIT_PAGES, BC_ACCOUNTED, 0, "PRIVVMP" },
	[UB_SHMPAGES]     = { UB_SHMPAGES, "shmpages", "SHMPAGES", VZ_UNIT_PAGES, BC_ENFORCED, 0, "SHMP" },
	[UB_NUMPROC]      = { UB_NUMPROC, "numproc", "NUMPROC", VZ_UNIT_ITEMS, BC_ENFORCED, 'p', "NPROC" },
	[UB_PHYSPAGES]    = { UB_PHYSPAGES, "physpages", "PHYSPAGES", VZ_UNIT_PAGES, BC_ENFORCED, 0, "PHYSP" },
	[UB_VMGUARPAGES]  = { UB_VMGUARPAGES, "vmguarpages", "VMGUARPAGES", VZ_UNIT_PAGES, BC_GUARANTEE, 0, "VMGUARP" },
	[UB_OOMGUARPAGES] = { UB_OOMGUARPAGES, "oomguarpages", "OOMGUARPAGES", VZ_UNIT_PAGES, BC_GUARANTEE, 0, "OOMGUARP" },
	[UB_NUMTCPSOCK]   = { UB_NUMTCPSOCK, "numtcpsock", "NUMTCPSOCK", VZ_UNIT_ITEMS, BC_ACCOUNTED, 0, "NTCPSOCK" },
	[UB_NUMFLOCK]     = { UB_NUMFLOCK, "numflock", "NUMFLOCK", VZ_UNIT_ITEMS, BC_ACCOUNTED, 'f', "NFLOCK" },
	[UB_NUMPTY]       = { UB_NUMPTY, "numpty", "NUMPTY", VZ_UNIT_ITEMS, BC_ENFORCED, 't', "NPTY" },
	[UB_NUMSIGINFO]   = { UB_NUMSIGINFO, "numsiginfo", "NUMSIGINFO", VZ_UNIT_ITEMS, BC_ACCOUNTED, 'i', "NSIGINFO" },
	[UB_TCPSNDBUF]    = { UB_TCPSNDBUF, "tcpsndbuf", "TCPSNDBUF", VZ_UNIT_BYTES, BC_ACCOUNTED, 0, "TCPSNDB" },
	[UB_TCPRCVBUF]    = { UB_TCPRCVBUF, "tcprcvbuf", "TCPRCVBUF", VZ_UNIT_BYTES, BC_ACCOUNTED, 'b', "TCPRCVB" },
	[UB_OTHERSOCKBUF] = { UB_OTHERSOCKBUF, "othersockbuf", "OTHERSOCKBUF", VZ_UNIT_BYTES, BC_ACCOUNTED, 0, "OTHSOCKB" },
	[UB_DGRAMRCVBUF]  = { UB_DGRAMRCVBUF, "dgramrcvbuf", "DGRAMRCVBUF", VZ_UNIT_BYTES, BC_ACCOUNTED, 0, "DGRAMRB" },
	[UB_NUMOTHERSOCK] = { UB_NUMOTHERSOCK, "numothersock", "NUMOTHERSOCK", VZ_UNIT_ITEMS, BC_ACCOUNTED, 0, "NOTHSOCK" },
	[UB_DCACHESIZE]   = { UB_DCACHESIZE, "dcachesize", "DCACHESIZE", VZ_UNIT_BYTES, BC_ACCOUNTED, 'x', "DCACHESZ" },
	[UB_NUMFILE]      = { UB_NUMFILE, "numfile", "NUMFILE", VZ_UNIT_ITEMS, BC_ACCOUNTED, 'n', "NFILE" },
	[UB_NUMIPTENT]    = { UB_NUMIPTENT, "numiptent", "NUMIPTENT", VZ_UNIT_ITEMS, BC_ACCOUNTED, 'e', "NIPTENT" },
	[UB_SWAPPAGES]    = { UB_SWAPPAGES, "swappages", "SWAPPAGES", VZ_UNIT_PAGES, BC_ENFORCED, 0, "SWAPP" },
	[UB_AVNUMPROC]    = { UB_AVNUMPROC, "avnumproc", "AVNUMPROC", VZ_UNIT_ITEMS, BC_CONFIG_ONLY, 0, "AVNPROC" },
};

/* Other spellings configs carry (reference §1.1). */
static const struct {
	const char *alias;
	enum ubc_id id;
} aliases[] = {
	{ "DCACHE", UB_DCACHESIZE },
	{ "IPTENTRIES", UB_NUMIPTENT },
	{ "TCPSENDBUF", UB_TCPSNDBUF },
};

const struct ubc_res *ubc_by_id(int id)
{
	if (id < 0 || id >= UB_PARAM_COUNT || !table[id].name)
		return NULL;
	return &table[id];
}

const struct ubc_res *ubc_find(const char *name)
{
	if (!name)
		return NULL;
	for (int id = 0; id < UB_PARAM_COUNT; id++)
		if (table[id].name && strcasecmp(table[id].name, name) == 0)
			return &table[id];
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(aliases[i].alias, name) == 0)
			return &table[aliases[i].id];
	return NULL;
}

const char *bc_class_name(enum bc_class cls)
{
	switch (cls) {
	case BC_ENFORCED:
		return "enforced";
	case BC_GUARANTEE:
		return "guarantee";
	case BC_ACCOUNTED:
		return "accounted";
	case BC_NOT_AVAILABLE:
		return "not available";
	case BC_CONFIG_ONLY:
		return "config only";
	}
	return "unknown";
}
