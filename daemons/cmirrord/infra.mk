# fragment: daemons/cmirrord/infra.mk
