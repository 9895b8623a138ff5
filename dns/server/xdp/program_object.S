/* The compiled XDP program (redirect.bpf.c), embedded in the gtm binary so
   that gtm serve never looks for it on disk. GTM_XDP_OBJECT is its path. */
  .section .rodata
  .global gtm_xdp_object_begin
  .global gtm_xdp_object_end
  .balign 8
gtm_xdp_object_begin:
  .incbin GTM_XDP_OBJECT
gtm_xdp_object_end:
  .section .note.GNU-stack, "", @progbits
