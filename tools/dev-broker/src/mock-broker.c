/* Development Kafka broker: librdkafka's mock cluster behind a tiny CLI.
 *   mock-broker [--brokers N] [--port P] [topic:partitions ...]
 * Prints "BOOTSTRAP host:port,..." once the topics exist, then serves until
 * stdin reaches EOF (the parent went away) or SIGTERM/SIGINT arrives. */
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
    char buf[256];
    for (;;) {
        if (poll(fds, 2, -1) < 0) continue; /* EINTR */
        if (fds[1].revents) break;
        if (fds[0].revents && read(STDIN_FILENO, buf, sizeof buf) <= 0) break;
    }

    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
