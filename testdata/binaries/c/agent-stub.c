/*
 * kata-agent stand-in for architectures the Rust toolchain here cannot target (aarch64, s390x):
 * a C program holding each serialized FileDescriptorProto as a byte array in .rodata, the way
 * protoc --cpp_out keeps descriptor_table_protodef_*, plus ttrpc method paths and the agent's
 * version constants. It never runs as part of a test; tests read its bytes.
 */
#include <stdio.h>
#include <string.h>

extern const unsigned char *const descriptor_tables[];
extern const size_t descriptor_sizes[];
extern const char *const method_paths[];
extern const char *const storage_drivers[];
extern const char AGENT_VERSION[];
extern const char API_VERSION[];
extern const char VERSION_COMMIT[];

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("kata-agent version %s (api version: %s, commit version: %s, type: rust)\n",
               AGENT_VERSION, API_VERSION, VERSION_COMMIT);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--describe") == 0) {
        for (size_t i = 0; descriptor_tables[i] != NULL; i++)
            printf("descriptor %zu: %zu bytes\n", i, descriptor_sizes[i]);
        for (size_t i = 0; method_paths[i] != NULL; i++)
            printf("%s\n", method_paths[i]);
        for (size_t i = 0; storage_drivers[i] != NULL; i++)
            printf("storage driver %s\n", storage_drivers[i]);
        return 0;
    }
    fprintf(stderr, "usage: kata-agent --version\n");
    return 2;
}
