# fragment: daemons/cmirrord/disk.mk
