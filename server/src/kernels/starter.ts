/**
 * The few lines of Python that start one kernel in its image, run by the
 * host's python as the user's uid (jupyter_server runs the kernelspec's argv).
 * A kernelspec is shared by all users, but a kernel's binds are the user's own
 * directories, and ch-run 0.31 cannot make a bind target inside a read-only
 * image, so those directories appear at fixed paths inside (launch.ts,
 * IN_IMAGE). The kernel reads a copy of Jupyter's connection file, beside it,
 * whose ipc prefix is the sockets' path inside (ipykernel prefers the file's
 * `ip` to an --ip equal to its own default, which the inside path would be).
 * Everything else about the command is decided in launch.ts: this only fills
 * in, in each argument:
 *   @RUN@  the user's runtime directory (the connection file's)   @TMP@  $TMPDIR
 *   @USER@  $USER   @CONNECTION_FILE_NAME@  the copy's base name
 * then execs the command, so the kernel is the process Jupyter started (its
 * signals, its end). When the image is no longer stored, it starts instead a
 * kernel that answers every cell with why, so the lab says so where the user looks.
 *
 * argv: <connection file> <image directory> <digest> <the runtime directory inside> -- <command...>
 */
export const STARTER_FILE = 'start-in-image.py';

export const STARTER = `# Written by the narrative server at each start (server/src/kernels/starter.ts).
import json, os, sys


def main():
    connection_file, rootfs, digest, run_inside, _, *command = sys.argv[1:]
    if not os.path.isdir(rootfs):
        return explain(connection_file, digest)
    with open(connection_file) as f:
        info = json.load(f)
    info['ip'] = os.path.join(run_inside, os.path.basename(info['ip']))
    copy = os.path.splitext(connection_file)[0] + '.in-image.json'
    # The key is in it: the user's alone, as Jupyter's own file is.
    with os.fdopen(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as f:
        json.dump(info, f)
    values = {
        '@RUN@': os.path.dirname(connection_file),
        '@TMP@': os.environ['TMPDIR'],
        '@USER@': os.environ['USER'],
        '@CONNECTION_FILE_NAME@': os.path.basename(copy),
    }

    def fill(arg):
        for key, value in values.items():
            arg = arg.replace(key, value)
        return arg

    argv = [fill(arg) for arg in command]
    os.execvp(argv[0], argv)


def explain(connection_file, digest):
    from ipykernel.kernelapp import IPKernelApp
    from ipykernel.kernelbase import Kernel

    message = ('This narrative runs its code in the kernel image ' + digest + ', which is no longer on this server. '
               'Choose another kernel (Kernel > Change Kernel); your code may not behave the same there.')

    class ImageGone(Kernel):
        implementation = 'narrative-image-gone'
        implementation_version = '1'
        banner = message
        language_info = {'name': 'python', 'mimetype': 'text/x-python', 'file_extension': '.py'}

        def do_execute(self, code, silent, store_history=True, user_expressions=None, allow_stdin=False):
            error = {'ename': 'KernelImageGone', 'evalue': message, 'traceback': [message]}
            if not silent:
                self.send_response(self.iopub_socket, 'error', error)
            return {'status': 'error', 'execution_count': self.execution_count, **error}

    IPKernelApp.launch_instance(argv=['-f', connection_file], kernel_class=ImageGone)


main()
`;
