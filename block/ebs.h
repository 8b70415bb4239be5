/* ebs.h - EBS volumes by volume id: the NVMe disk of vol-..., and the
 * volume id of an NVMe disk.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: EC2 User Guide "Amazon EBS and NVMe" (the controller's serial is
 *      the volume id without its dash, the model "Amazon Elastic Block
 *      Store"), block/instance_store.h (the walk), sysfs-block ABI.
 *
 * Only Nitro instance types show EBS volumes as NVMe controllers: there
 * the serial names the volume whatever the kernel numbering (nvme1n1 may
 * be another volume after a reboot). Xen types (blkfront's xvdX) show no
 * volume id anywhere in sysfs, and IMDS block-device-mapping maps device
 * names, never volume ids: there a volume is named by its device path.
 * block/ knows nothing of the table: conf/tab.c checks an id's form.
 */
#ifndef LUKSBOX_EBS_H
#define LUKSBOX_EBS_H

#include <stddef.h>

#include "block/inuse.h"

#define EBS_NVME_MODEL "Amazon Elastic Block Store"
#define EBS_ID_MAX 24 /* "vol-" and 17 hex digits, its NUL, and room */

/*
 * The whole disk of the EBS volume ID ("vol-0123456789abcdef0") into NAME
 * (CAP bytes; a kernel name, "nvme3n1"): the NVMe disk whose controller's
 * model is MODEL (NULL or "": EBS_NVME_MODEL; never from the environment:
 * the test build passes qemu's) and serial is ID without its dash. Returns
 * 0, or:
 *   -ENOENT   no such disk (not attached, or not yet)
 *   -EPERM    it is the root disk or under the root file system: refused
 *   -ENOTUNIQ two disks answer to it (two namespaces, a forged serial)
 *   -ENXIO    a Xen instance (SYSFS/hypervisor/type "xen"): no volume
 *             ids in sysfs
 *   -EINVAL   ID is not vol-HEX
 *   or another -errno reading sysfs or the mount table.
 */
int ebs_find(const struct probe_sys *sys, const char *model, const char *id,
	     char *name, size_t cap);

/*
 * The EBS volume id of the whole disk NAME (a kernel name) into ID (CAP
 * bytes, EBS_ID_MAX suffice): its controller's model is MODEL (as above)
 * and its serial "vol" and hex digits. Returns 1, 0 when NAME is no EBS
 * volume (another model, a partition, no such disk), or -E2BIG (CAP).
 */
int ebs_id_of(const struct probe_sys *sys, const char *model, const char *name,
	      char *id, size_t cap);

#endif
