/* Asks the top-level window named argv[1] to close, as a window manager's close button
   does (a WM_DELETE_WINDOW client message), so the app's own close handling runs.
   Exits 0 when a window was asked, 1 when none has that name. For bench/app-at-rest.sh. */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdio.h>
#include <string.h>

static int ask(Display *display, Window window, const char *name) {
  Window root, parent, *children = NULL;
  unsigned int count = 0;
  int asked = 0;
  char *title = NULL;
  if (XFetchName(display, window, &title) && title) {
    if (strcmp(title, name) == 0) {
      XEvent event;
      memset(&event, 0, sizeof event);
      event.xclient.type = ClientMessage;
      event.xclient.window = window;
      event.xclient.message_type = XInternAtom(display, "WM_PROTOCOLS", False);
      event.xclient.format = 32;
      event.xclient.data.l[0] = (long)XInternAtom(display, "WM_DELETE_WINDOW", False);
      event.xclient.data.l[1] = CurrentTime;
      XSendEvent(display, window, False, NoEventMask, &event);
      asked = 1;
    }
    XFree(title);
  }
  if (XQueryTree(display, window, &root, &parent, &children, &count)) {
    for (unsigned int i = 0; i < count; i++) asked |= ask(display, children[i], name);
    if (children) XFree(children);
  }
  return asked;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <window title>\n", argv[0]);
    return 2;
  }
  Display *display = XOpenDisplay(NULL);
  if (!display) {
    fprintf(stderr, "no display\n");
    return 2;
  }
  int asked = ask(display, DefaultRootWindow(display), argv[1]);
  XFlush(display);
  XCloseDisplay(display);
  return asked ? 0 : 1;
}
