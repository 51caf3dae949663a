#!/bin/sh
# trivial boot check (placeholder, replaced by the scenarios)
modprobe -a dm-mirror dm-log-userspace virtio_pci virtio_blk; i=0; while [ ! -e /sys/block/vde ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
[ -c /dev/mapper/control ] && echo "KTEST boot PASS dm control present: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')" || echo "KTEST boot FAIL no /dev/mapper/control"
for b in /sys/block/vd*; do echo "$b $(cat $b/serial) $(cat $b/dev)"; done
echo KTEST-DONE
