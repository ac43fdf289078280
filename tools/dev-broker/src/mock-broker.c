/* Development Kafka broker: librdkafka's mock cluster behind a tiny CLI.
 *   mock-broker [--brokers N] [--port P] [topic:partitions ...]
 * Prints "BOOTSTRAP host:port,..." once the topics exist, then serves until
 * stdin reaches EOF (the parent went away) or SIGTERM/SIGINT arrives.
 * Meanwhile each stdin line is a fault-injection command, answered by one
 * stdout line, "OK <command>" or "ERR <reason>":
 *   down <broker_id> | up <broker_id> | rtt <broker_id> <ms>
 *   errors <api_key> <err> [<err> ...]   (numeric rd_kafka_resp_err_t) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define LINE_MAX_LEN 1024

static int next_port; /* 0: the kernel picks, as librdkafka intends */

/* librdkafka 2.0 has no setting for the mock listeners' port: each broker binds
 * 127.0.0.1:0. Defining bind() in the executable interposes libc's for
 * librdkafka, so --port can pin the brokers to consecutive ports. */
int bind(int fd, const struct sockaddr *addr, socklen_t len) {
    static int (*real_bind)(int, const struct sockaddr *, socklen_t);
    struct sockaddr_in sin;
    if (!real_bind) *(void **)&real_bind = dlsym(RTLD_NEXT, "bind");
    if (!next_port || addr->sa_family != AF_INET || len < sizeof sin) return real_bind(fd, addr, len);
    memcpy(&sin, addr, sizeof sin);
    if (sin.sin_port != 0) return real_bind(fd, addr, len);
    sin.sin_port = htons((uint16_t)next_port);
    if (real_bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0) return next_port++, 0;
    /* librdkafka would abort() on a failed listener; fail with a readable reason instead. */
    fprintf(stderr, "mock-broker: cannot listen on port %d: %s\n", next_port, strerror(errno));
    _exit(2);
}

static int positive(const char *s) {
    char *end;
    long n = strtol(s, &end, 10);
    return *s && !*end && n > 0 && n < 65536 ? (int)n : 0;
}

/* Parses a whole decimal token within [min, max]. */
static int integer(const char *s, long min, long max, long *out) {
    char *end;
    errno = 0;
    *out = strtol(s, &end, 10);
    return *s && !*end && !errno && *out >= min && *out <= max;
}

#define MAX_WORDS 66 /* "errors", the api key and up to 64 error codes */
static const char usage[] =
    "usage: down <broker_id> | up <broker_id> | rtt <broker_id> <ms> | errors <api_key> <err> [<err> ...]";

/* errors <api_key> <err> ...: queued on the cluster-wide stack for that API's next requests, one per request. */
static const char *push_errors(rd_kafka_mock_cluster_t *mc, char **word, int n) {
    rd_kafka_resp_err_t errors[MAX_WORDS];
    long api_key, code;
    if (n < 3) return usage;
    if (!integer(word[1], 0, INT16_MAX, &api_key)) return "api key must be an integer from 0 to 32767";
    for (int i = 2; i < n; i++) {
        if (!integer(word[i], INT16_MIN, INT16_MAX, &code)) return "error codes must be integers";
        errors[i - 2] = (rd_kafka_resp_err_t)code;
    }
    rd_kafka_mock_push_request_errors_array(mc, (int16_t)api_key, (size_t)(n - 2), errors);
    return NULL;
}

/* down|up <broker_id>, rtt <broker_id> <ms>. The mock numbers brokers from 1; its -1 ("all brokers") is
 * refused so that a stray value cannot take the whole cluster down. */
static const char *broker_command(rd_kafka_mock_cluster_t *mc, char **word, int n) {
    int rtt = !strcmp(word[0], "rtt");
    long id, ms = 0;
    if (n != (rtt ? 3 : 2)) return usage;
    if (!integer(word[1], 1, INT32_MAX, &id)) return "broker id must be a positive integer";
    if (rtt && !integer(word[2], 0, INT32_MAX, &ms)) return "rtt must be a whole number of milliseconds";
    rd_kafka_resp_err_t err = rtt                      ? rd_kafka_mock_broker_set_rtt(mc, (int32_t)id, (int)ms)
                              : !strcmp(word[0], "up") ? rd_kafka_mock_broker_set_up(mc, (int32_t)id)
                                                       : rd_kafka_mock_broker_set_down(mc, (int32_t)id);
    static char reason[128];
    if (!err) return NULL;
    snprintf(reason, sizeof reason, "broker %ld: %s", id, rd_kafka_err2str(err));
    return reason;
}

/* Runs one command line (it is split in place); returns NULL on success or the reason it failed. */
static const char *run_command(rd_kafka_mock_cluster_t *mc, char *line) {
    char *word[MAX_WORDS], *save = NULL, *w;
    int n = 0;
    for (w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (n == MAX_WORDS) return "too many arguments";
        word[n++] = w;
    }
    if (n == 0) return usage; /* run_lines skips blank lines; this keeps the function safe on its own */
    if (!strcmp(word[0], "errors")) return push_errors(mc, word, n);
    if (!strcmp(word[0], "down") || !strcmp(word[0], "up") || !strcmp(word[0], "rtt")) return broker_command(mc, word, n);
    return usage;
}

/* Answers each complete line in buf[0..*len) and keeps the unfinished tail for the next read. A line that
 * overflows the buffer is refused once and skipped up to its newline. */
static void run_lines(rd_kafka_mock_cluster_t *mc, char *buf, size_t *len, int *skipping) {
    char *start = buf, *nl;
    while ((nl = memchr(start, '\n', (size_t)(buf + *len - start)))) {
        *nl = '\0';
        if (nl > start && nl[-1] == '\r') nl[-1] = '\0';
        if (!*skipping && start[strspn(start, " \t")]) {
            char echo[LINE_MAX_LEN];
            strcpy(echo, start); /* run_command splits the line; the reply quotes it whole */
            const char *reason = run_command(mc, start);
            if (reason) printf("ERR %s\n", reason);
            else printf("OK %s\n", echo);
        }
        *skipping = 0;
        start = nl + 1;
    }
    *len -= (size_t)(start - buf);
    memmove(buf, start, *len);
    if (*len == LINE_MAX_LEN) {
        if (!*skipping) printf("ERR command longer than %d bytes\n", LINE_MAX_LEN - 1);
        *skipping = 1, *len = 0;
    }
    fflush(stdout);
}

int main(int argc, char **argv) {
    int brokers = 1, port = 0, i;
    char errstr[512];
    for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
        int *opt = !strcmp(argv[i], "--brokers") ? &brokers : !strcmp(argv[i], "--port") ? &port : NULL;
        if (!opt || i + 1 >= argc || !(*opt = positive(argv[i + 1]))) {
            fprintf(stderr, "usage: mock-broker [--brokers N] [--port P] [topic:partitions ...]\n");
            return 2;
        }
    }
    int first_topic = i;
    for (; i < argc; i++) {
        char *colon = strrchr(argv[i], ':');
        if (!colon || colon == argv[i] || !positive(colon + 1)) {
            fprintf(stderr, "mock-broker: topic must be name:partitions, got '%s'\n", argv[i]);
            return 2;
        }
    }

    /* Block the stop signals before librdkafka starts threads (they inherit the
     * mask), so they are only ever read from the signalfd below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigprocmask(SIG_BLOCK, &stop, NULL);
    int sfd = signalfd(-1, &stop, 0);

    /* The handle only hosts the cluster; log_level 4 hides its notice that it
     * has no bootstrap.servers of its own. */
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) return fprintf(stderr, "mock-broker: %s\n", errstr), 1;
    next_port = port;
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    next_port = 0;
    if (!mc) return fprintf(stderr, "mock-broker: cannot create mock cluster\n"), 1;

    for (i = first_topic; i < argc; i++) {
        char *colon = strrchr(argv[i], ':'), *name = strndup(argv[i], (size_t)(colon - argv[i]));
        rd_kafka_resp_err_t err =
            rd_kafka_mock_topic_create(mc, name, positive(colon + 1), brokers < 3 ? brokers : 3);
        if (err) return fprintf(stderr, "mock-broker: topic %s: %s\n", name, rd_kafka_err2str(err)), 1;
        free(name);
    }

    printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);

    struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    char buf[LINE_MAX_LEN];
    size_t len = 0;
    int skipping = 0;
    for (;;) {
        if (poll(fds, 2, -1) < 0) continue; /* EINTR */
        if (fds[1].revents) break;
        if (!fds[0].revents) continue;
        ssize_t got = read(STDIN_FILENO, buf + len, sizeof buf - len);
        if (got <= 0) break;
        len += (size_t)got;
        run_lines(mc, buf, &len, &skipping);
    }

    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
