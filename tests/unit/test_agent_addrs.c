/* SPDX-License-Identifier: MIT */
/*
 * Which NIC an address is published for (payload/agent/collect.c
 * collect_addrs): a Xen vif by its sysfs nodename (the kernel's
 * xen-netfront device, "device/vif/<devid>"), an SR-IOV VF by its MAC as
 * xe-guest-utilities matches it (guestmetric_linux.go getSriovVifId), and
 * a bridge, bond, VLAN or macvlan by the NICs under it (IFLA_MASTER of its
 * ports, IFLA_LINK of a stacked link: include/uapi/linux/if_link.h). The
 * link and address tables stand in for rtnetlink's dumps; sysfs is a
 * temporary tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../payload/agent/collect.c"

static const struct net_link *fake_links;
static size_t fake_nlinks;
static const struct net_addr *fake_addrs;
static size_t fake_naddrs;

int net_dump_links(struct net_link **out, size_t *n)
{
	*out = malloc((fake_nlinks ? fake_nlinks : 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, fake_links, fake_nlinks * sizeof(**out));
	*n = fake_nlinks;
	return 0;
}

int net_dump_addrs(struct net_addr **out, size_t *n)
{
	*out = malloc((fake_naddrs ? fake_naddrs : 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, fake_addrs, fake_naddrs * sizeof(**out));
	*n = fake_naddrs;
	return 0;
}

static char sysroot[] = "/tmp/gt-addrs-XXXXXX";

/* sys/class/net/@ifname/device/nodename = "device/vif/@devid" */
static void vif(const char *ifname, int devid)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/class/net/%s/device", sysroot, ifname);
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
	strcat(path, "/nodename");
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "device/vif/%d\n", devid);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(sysroot))
		return -1;
	vif("eth0", 0);
	vif("eth1", 1);
	vif("eth2", 2);
	vif("eth3", 3);
	vif("eth4", 4);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sysroot);
	return system(cmd);
}

#define V4(idx, s)                                                                       \
	{                                                                                \
		.ifindex = (idx), .family = AF_INET, .text = s                           \
	}
#define V6(idx, s)                                                                       \
	{                                                                                \
		.ifindex = (idx), .family = AF_INET6, .text = s                          \
	}

/* collect_addrs over the fake tables into a sorted list. */
static void collect(const struct net_link *links, size_t nl, const struct net_addr *addrs,
                    size_t na, const struct vif_override *ov, size_t nov,
                    const struct sriov_vf *vfs, size_t nvfs, struct kvlist *l)
{
	struct gt_root *root = NULL;

	fake_links = links;
	fake_nlinks = nl;
	fake_addrs = addrs;
	fake_naddrs = na;
	assert_int_equal(gt_root_open(sysroot, &root), 0);
	assert_int_equal(collect_addrs(root, ov, nov, vfs, nvfs, l), 0);
	gt_root_close(root);
	kv_sort(l);
}

static void expect_keys(const struct kvlist *l, const char *const *want)
{
	size_t n = 0;

	for (; want[n]; n += 2) {
		const char *v = kv_get(l, want[n]);

		if (!v)
			fail_msg("%s: missing", want[n]);
		assert_string_equal(v, want[n + 1]);
	}
	if (l->n != n / 2) {
		for (size_t i = 0; i < l->n; i++)
			print_message("have %s = %s\n", l->v[i].key, l->v[i].value);
		fail_msg("%zu keys, expected %zu", l->n, n / 2);
	}
}

static void test_plain_vif_numbered_per_family(void **state)
{
	static const struct net_link links[] = { { .ifindex = 2, .name = "eth0" } };
	static const struct net_addr addrs[] = { V4(2, "192.0.2.1"), V4(2, "192.0.2.2"),
		                                 V6(2, "2001:db8::1") };
	static const char *const want[] = {
		"attr/vif/0/ipv4/0",
		"192.0.2.1",
		"attr/vif/0/ipv4/1",
		"192.0.2.2",
		"attr/vif/0/ipv6/0",
		"2001:db8::1",
		NULL,
	};
	struct kvlist l = { 0 };

	(void)state;
	collect(links, 1, addrs, 3, NULL, 0, NULL, 0, &l);
	expect_keys(&l, want);
	kv_clear(&l);
}

static void test_bridge_bond_vlan(void **state)
{
	/* br0 <- eth1; br1 <- bond0 <- eth2 + eth3; eth4.10 (VLAN on eth4);
	 * br2 <- bond1 <- eth0.20 (a VLAN on eth0). */
	static const struct net_link links[] = {
		{ .ifindex = 2, .name = "eth0" },
		{ .ifindex = 3, .name = "eth1", .master = 10 },
		{ .ifindex = 4, .name = "eth2", .master = 20 },
		{ .ifindex = 5, .name = "eth3", .master = 20 },
		{ .ifindex = 6, .name = "eth4" },
		{ .ifindex = 10, .name = "br0" },
		{ .ifindex = 20, .name = "bond0", .master = 21 },
		{ .ifindex = 21, .name = "br1" },
		{ .ifindex = 30, .name = "eth4.10", .lower = 6 },
		{ .ifindex = 40, .name = "eth0.20", .lower = 2, .master = 41 },
		{ .ifindex = 41, .name = "bond1", .master = 42 },
		{ .ifindex = 42, .name = "br2" },
	};
	static const struct net_addr addrs[] = {
		V4(10, "198.51.100.1"),
		V4(21, "198.51.100.2"),
		V4(30, "198.51.100.3"),
		V6(42, "2001:db8::42"),
	};
	static const char *const want[] = {
		"attr/vif/1/ipv4/0",
		"198.51.100.1", /* the bridge's port */
		"attr/vif/2/ipv4/0",
		"198.51.100.2", /* both slaves of the bond in br1 */
		"attr/vif/3/ipv4/0",
		"198.51.100.2",
		"attr/vif/4/ipv4/0",
		"198.51.100.3", /* the VLAN's NIC */
		"attr/vif/0/ipv6/0",
		"2001:db8::42", /* bridge, bond, VLAN, vif */
		NULL,
	};
	struct kvlist l = { 0 };

	(void)state;
	collect(links, sizeof(links) / sizeof(links[0]), addrs, 4, NULL, 0, NULL, 0, &l);
	expect_keys(&l, want);
	kv_clear(&l);
}

static void test_not_a_vif(void **state)
{
	/* A veth (its peer is not followed: net.c sets lower for stacked kinds
	 * only), a bridge with no vif port, a link the kernel named but sysfs
	 * does not know. */
	static const struct net_link links[] = {
		{ .ifindex = 2, .name = "veth0" },
		{ .ifindex = 3, .name = "docker0" },
		{ .ifindex = 4, .name = "vethab12", .master = 3 },
	};
	static const struct net_addr addrs[] = { V4(2, "203.0.113.1"),
		                                 V4(3, "172.17.0.1"),
		                                 V4(99, "203.0.113.99") };
	static const char *const want[] = { NULL };
	struct kvlist l = { 0 };

	(void)state;
	collect(links, 3, addrs, 3, NULL, 0, NULL, 0, &l);
	expect_keys(&l, want);
	kv_clear(&l);
}

static void test_sriov_by_mac_and_override(void **state)
{
	static const struct net_link links[] = {
		{ .ifindex = 7, .name = "ens5", .mac = "02:00:00:00:03:05" },
		{ .ifindex = 8, .name = "dummy0" },
	};
	static const struct net_addr addrs[] = { V4(7, "10.0.3.4"),
		                                 V6(7, "2001:db8:3::4"),
		                                 V4(8, "10.9.9.9") };
	/* The toolstack may write the MAC in capitals: compared without case. */
	static const struct sriov_vf vfs[] = { { .id = 3, .mac = "02:00:00:00:03:05" },
		                               { .id = 4, .mac = "02:00:00:00:04:00" } };
	static const struct vif_override ov[] = { { .ifname = "dummy0", .devid = 9 } };
	static const char *const want[] = {
		"xenserver/attr/net-sriov-vf/3/ipv4/0",
		"10.0.3.4",
		"xenserver/attr/net-sriov-vf/3/ipv6/0",
		"2001:db8:3::4",
		"attr/vif/9/ipv4/0",
		"10.9.9.9",
		NULL,
	};
	struct kvlist l = { 0 };

	(void)state;
	collect(links, 2, addrs, 3, ov, 1, vfs, 2, &l);
	expect_keys(&l, want);
	kv_clear(&l);
}

static void test_stacking_loop_ends(void **state)
{
	/* Two links that name each other as lower (not something the kernel
	 * makes, but netlink is input): the walk stops at its depth limit. */
	static const struct net_link links[] = {
		{ .ifindex = 50, .name = "a", .lower = 51 },
		{ .ifindex = 51, .name = "b", .lower = 50 },
	};
	static const struct net_addr addrs[] = { V4(50, "192.0.2.50") };
	static const char *const want[] = { NULL };
	struct kvlist l = { 0 };

	(void)state;
	collect(links, 2, addrs, 1, NULL, 0, NULL, 0, &l);
	expect_keys(&l, want);
	kv_clear(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_vif_numbered_per_family),
		cmocka_unit_test(test_bridge_bond_vlan),
		cmocka_unit_test(test_not_a_vif),
		cmocka_unit_test(test_sriov_by_mac_and_override),
		cmocka_unit_test(test_stacking_loop_ends),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
