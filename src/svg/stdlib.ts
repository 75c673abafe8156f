// Top-level modules and packages of the Python standard library (3.x, plus a
// few 2.7 names), used to tell stdlib frames from the program's own when a
// frame's file is a relative path such as "json/decoder.py".

export const STDLIB_MODULES: ReadonlySet<string> = new Set(
  `
__future__ __main__ _thread _dummy_thread abc aifc argparse array ast asynchat asyncio asyncore atexit
audioop base64 bdb binascii bisect builtins bz2 calendar cgi cgitb chunk cmath cmd code codecs codeop
collections colorsys compileall concurrent configparser contextlib contextvars copy copyreg cProfile
crypt csv ctypes curses dataclasses datetime dbm decimal difflib dis distutils doctest email encodings
ensurepip enum errno faulthandler fcntl filecmp fileinput fnmatch fractions ftplib functools gc
genericpath getopt getpass gettext glob graphlib grp gzip hashlib heapq hmac html http idlelib imaplib
imghdr imp importlib inspect io ipaddress itertools json keyword lib2to3 linecache locale logging
lzma mailbox mailcap marshal math mimetypes mmap modulefinder msvcrt multiprocessing netrc nis
nntplib ntpath nturl2path numbers opcode operator optparse os ossaudiodev pathlib pdb pickle
pickletools pipes pkgutil platform plistlib poplib posix posixpath pprint profile pstats pty pwd
py_compile pyclbr pydoc pydoc_data pyexpat queue quopri random re readline reprlib resource
rlcompleter runpy sched secrets select selectors shelve shlex shutil signal site smtpd smtplib sndhdr
socket socketserver spwd sqlite3 sre_compile sre_constants sre_parse ssl stat statistics string
stringprep struct subprocess sunau symtable sys sysconfig syslog tabnanny tarfile telnetlib tempfile
termios textwrap this threading time timeit tkinter token tokenize tomllib trace traceback
tracemalloc tty turtle turtledemo types typing unicodedata unittest urllib uu uuid venv warnings
wave weakref webbrowser winreg winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib
zoneinfo _collections_abc _weakrefset _bootlocale _compat_pickle _compression _markupbase
_osx_support _pydecimal _pyio _sitebuiltins _strptime _threading_local _aix_support _pydatetime
_pylong _py_abc
Queue SocketServer BaseHTTPServer SimpleHTTPServer httplib urllib2 urlparse cPickle StringIO
cStringIO ConfigParser HTMLParser Cookie cookielib commands sets thread dummy_thread
`
    .split(/\s+/)
    .filter(Boolean),
);
