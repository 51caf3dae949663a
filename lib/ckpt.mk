# fragment: lib/ckpt.mk
