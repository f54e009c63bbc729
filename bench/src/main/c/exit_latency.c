/*
 * Exit-detection latency in plain C, the floor for vfork4j's figure on the same machine:
 * N children (vfork + exec of sleep 600), each with a pidfd on one epoll; the main thread
 * kills child i at start + i * INTERVAL_US with pidfd_send_signal, a second thread waits in
 * epoll_wait and reaps with waitid(P_PIDFD). Prints p50/p90/p99/max of kill-to-reap, in µs.
 *
 * Usage: exit_latency N INTERVAL_US
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <signal.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <pthread.h>
static long now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1000000000L+t.tv_nsec;}
int n; int *pidfd; long *k,*d; int ep;
static void* loop(void*a){ struct epoll_event ev[64]; int left=n; while(left>0){int c=epoll_wait(ep,ev,64,-1); for(int i=0;i<c;i++){int id=ev[i].data.u32; siginfo_t si; waitid(P_PIDFD,pidfd[id],&si,WEXITED|WNOHANG); d[id]=now(); epoll_ctl(ep,EPOLL_CTL_DEL,pidfd[id],0); close(pidfd[id]); left--;}} return 0;}
static int cmp(const void*a,const void*b){long x=*(long*)a,y=*(long*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){ n=atoi(argv[1]); long iv=atol(argv[2])*1000; pidfd=malloc(n*sizeof(int)); k=malloc(n*8); d=malloc(n*8); ep=epoll_create1(0);
 for(int i=0;i<n;i++){ pid_t p=vfork(); if(p==0){ execl("/bin/sleep","sleep","600",(char*)0); _exit(127);} pidfd[i]=syscall(SYS_pidfd_open,p,0); struct epoll_event e={.events=EPOLLIN,.data.u32=i}; epoll_ctl(ep,EPOLL_CTL_ADD,pidfd[i],&e);}
 pthread_t t; pthread_create(&t,0,loop,0);
 long start=now()+10000000; for(int i=0;i<n;i++){ long at=start+i*iv; long w=at-now(); if(w>0){struct timespec ts={w/1000000000,w%1000000000}; nanosleep(&ts,0);} k[i]=now(); syscall(SYS_pidfd_send_signal,pidfd[i],SIGKILL,0,0);}
 pthread_join(t,0); long*l=malloc(n*8); for(int i=0;i<n;i++)l[i]=d[i]-k[i]; qsort(l,n,8,cmp);
 printf("C interval %ldus: p50 %ld p90 %ld p99 %ld max %ld us\n",iv/1000,l[n/2]/1000,l[n*9/10]/1000,l[n*99/100]/1000,l[n-1]/1000); }
