# fragment: lib/proto.mk
