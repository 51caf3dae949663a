# fragment: daemons/cmirrord/cluster.mk
