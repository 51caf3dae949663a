/* placeholder: replaced by the daemon infrastructure work */
int main(void) { return 0; }
