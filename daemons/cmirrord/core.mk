# fragment: daemons/cmirrord/core.mk
