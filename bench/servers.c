/* Trivial stdio MCP-like servers for bench/launch.sh, in C so that their own start-up and
 * per-message cost is negligible next to what is measured.
 *   hello: writes one line at once, then waits for stdin to close (latency to first byte)
 *   echo:  answers each request line with a response carrying the same id (round trips)
 *   flood: writes N lines of SIZE bytes each, then exits (throughput)            */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hello(void) {
    fputs("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/hello\"}\n", stdout);
    fflush(stdout);
    char buf[4096];
    while (fgets(buf, sizeof buf, stdin)) {}
    return 0;
}

static int echo(void) {
    static char line[1 << 16];
    while (fgets(line, sizeof line, stdin)) {
        char *id = strstr(line, "\"id\":");
        if (!id) continue;
        id += 5;
        long n = strtol(id, NULL, 10);
        printf("{\"jsonrpc\":\"2.0\",\"id\":%ld,\"result\":{}}\n", n);
        fflush(stdout);
    }
    return 0;
}

static int flood(long count, long size) {
    const char *head = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/data\",\"params\":{\"d\":\"";
    const char *tail = "\"}}\n";
    long fill = size - (long)strlen(head) - (long)strlen(tail);
    if (fill < 0) fill = 0;
    char *line = malloc(size + 1);
    if (!line) return 1;
    strcpy(line, head);
    memset(line + strlen(head), 'x', fill);
    strcpy(line + strlen(head) + fill, tail);
    size_t len = strlen(line);
    for (long i = 0; i < count; i++) fwrite(line, 1, len, stdout);
    fflush(stdout);
    free(line);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "hello") == 0) return hello();
    if (argc >= 2 && strcmp(argv[1], "echo") == 0) return echo();
    if (argc >= 4 && strcmp(argv[1], "flood") == 0) return flood(atol(argv[2]), atol(argv[3]));
    fputs("usage: servers hello|echo|flood COUNT SIZE\n", stderr);
    return 2;
}
