# fragment: tools/tools.mk
