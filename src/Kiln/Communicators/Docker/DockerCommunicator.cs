using System.Formats.Tar;
using Docker.DotNet;
using Docker.DotNet.Models;
using Kiln.Diagnostics;
using Kiln.Docker;
using Kiln.Engine;

namespace Kiln.Communicators.Docker;

/// <summary>
/// Reaches a running container through the Engine API: commands through exec (<c>/bin/sh -c</c>, like SSH's
/// remote shell), files through the archive endpoints as tar streams. There is no SSH, so <see cref="Connection"/>
/// is null and tools that need one (ansible over ssh) cannot use this communicator.
/// </summary>
internal sealed class DockerCommunicator(
    IDockerClient client,
    string containerId,
    string scratchDirectory,
    IReadOnlyDictionary<string, string>? environment = null,
    string? workingDirectory = null) : ICommunicator
{
    private readonly string _workingDirectory = string.IsNullOrEmpty(workingDirectory) ? "/" : workingDirectory;

    public string ContainerId => containerId;

    public ConnectionInfo? Connection => null;

    public async Task<CommandResult> ExecuteAsync(RemoteCommand command, ICommandOutput output, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (name, value) in command.Environment)
        {
            variables[name] = value;
        }

        var exec = await Call(
            () => client.Exec.CreateContainerExecAsync(
                containerId,
                new ContainerExecCreateParameters
                {
                    Cmd = ["/bin/sh", "-c", command.CommandLine],
                    Env = [.. variables.Select(v => $"{v.Key}={v.Value}")],
                    AttachStdout = true,
                    AttachStderr = true,
                    // A container has no sudo; the image's user is whoever the commands run as, root when asked.
                    User = command.Sudo ? "root" : "",
                },
                cancellationToken),
            "start a command in the container");

        using (var stream = await Call(
                   () => client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters { Detach = false, TTY = false }, cancellationToken),
                   "attach to a command in the container"))
        {
            // Reads on a hijacked socket do not all honour the token; closing the stream ends them.
            await using var abort = cancellationToken.Register(stream.Dispose);
            var stdout = new OutputLineSplitter(output.StandardOutput);
            var stderr = new OutputLineSplitter(output.StandardError);
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
                    if (read.EOF)
                    {
                        break;
                    }

                    (read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout).Write(buffer.AsSpan(0, read.Count));
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (IOException)
            {
                stdout.Flush();
                stderr.Flush();
                return new CommandResult(null);
            }

            stdout.Flush();
            stderr.Flush();
        }

        // The stream ends when the process closes its output; the exit code follows a moment later.
        for (var attempt = 0; ; attempt++)
        {
            var inspect = await Call(() => client.Exec.InspectContainerExecAsync(exec.ID, cancellationToken), "read a command's exit code");
            if (!inspect.Running)
            {
                return new CommandResult(inspect.ExitCode is { } code ? (int)code : null);
            }

            if (attempt >= 200)
            {
                return new CommandResult(null);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    public async Task UploadAsync(Stream content, string remotePath, CancellationToken cancellationToken, int mode = 420)
    {
        var target = ContainerPaths.Absolute(remotePath, _workingDirectory);
        await using var spooled = content.CanSeek && content.Position == 0 ? null : await SpoolAsync(content, cancellationToken);
        var data = spooled ?? content;

        await using var archive = CreateScratchFile();
        await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, ContainerPaths.EntryName(target))
            {
                DataStream = data,
                Mode = (UnixFileMode)mode,
                ModificationTime = DateTimeOffset.UtcNow,
            };
            await writer.WriteEntryAsync(entry, cancellationToken);
        }

        await ExtractAsync(archive, target, cancellationToken);
    }

    public async Task UploadDirectoryAsync(string localDirectory, string remoteDirectory, CancellationToken cancellationToken)
    {
        var source = new DirectoryInfo(localDirectory);
        if (!source.Exists)
        {
            throw new KilnException($"Cannot upload '{localDirectory}': no such directory.");
        }

        var target = ContainerPaths.Absolute(remoteDirectory, _workingDirectory);
        var prefix = ContainerPaths.EntryName(target);
        await using var archive = CreateScratchFile();
        await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            // The target directory itself gets no entry: one would reset the mode of a directory that exists (say /etc).
            if (prefix.Length > 0 && !source.EnumerateFileSystemInfos().Any())
            {
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, prefix + "/") { Mode = source.UnixFileMode }, cancellationToken);
            }

            await WriteTreeAsync(writer, source, prefix, cancellationToken);
        }

        await ExtractAsync(archive, target, cancellationToken);
    }

    public async Task DownloadAsync(string remotePath, Stream destination, CancellationToken cancellationToken)
    {
        var path = ContainerPaths.Absolute(remotePath, _workingDirectory);
        for (var hops = 0; hops < 16; hops++)
        {
            var response = await Call(
                () => client.Containers.GetArchiveFromContainerAsync(containerId, new ContainerPathStatParameters { Path = path }, false, cancellationToken),
                $"read {path} from the container");
            await using var stream = new EngineResponseStream(response.Stream ?? Stream.Null);
            await using var reader = new TarReader(stream);
            var entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken)
                ?? throw new KilnException($"Cannot download {path}: the engine sent an empty archive.");
            switch (entry.EntryType)
            {
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    if (entry.DataStream is { } data)
                    {
                        await data.CopyToAsync(destination, cancellationToken);
                    }

                    return;
                case TarEntryType.SymbolicLink when !string.IsNullOrEmpty(response.Stat.LinkTarget):
                    path = ContainerPaths.Absolute(response.Stat.LinkTarget, "/");
                    continue;
                case TarEntryType.Directory:
                    throw new KilnException($"Cannot download {path}: it is a directory.", "Download it as a directory instead.");
                default:
                    throw new KilnException($"Cannot download {path}: it is a {entry.EntryType}, not a file.");
            }
        }

        throw new KilnException($"Cannot download {remotePath}: too many symbolic links.");
    }

    public async Task DownloadDirectoryAsync(string remoteDirectory, string localDirectory, CancellationToken cancellationToken)
    {
        var path = ContainerPaths.Absolute(remoteDirectory, _workingDirectory);
        var response = await Call(
            () => client.Containers.GetArchiveFromContainerAsync(containerId, new ContainerPathStatParameters { Path = path + "/" }, false, cancellationToken),
            $"read {path} from the container");
        var root = Path.GetFullPath(localDirectory);
        Directory.CreateDirectory(root);
        var links = new List<(string Path, string Target)>();
        await using var stream = new EngineResponseStream(response.Stream ?? Stream.Null);
        await using var reader = new TarReader(stream);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            // Entries are named after the directory itself ("etc/..."); its contents land inside localDirectory.
            var relative = StripFirstComponent(entry.Name);
            if (relative.Length == 0)
            {
                continue;
            }

            var local = Inside(root, relative);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(local);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    Directory.CreateDirectory(Path.GetDirectoryName(local)!);
                    await entry.ExtractToFileAsync(local, overwrite: true, cancellationToken);
                    break;
                case TarEntryType.HardLink:
                    File.Copy(Inside(root, StripFirstComponent(entry.LinkName)), local, overwrite: true);
                    break;
                case TarEntryType.SymbolicLink:
                    // Made last, so no later entry can be written through a link to outside localDirectory.
                    links.Add((local, entry.LinkName));
                    break;
            }
        }

        foreach (var (link, target) in links)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            if (File.Exists(link) || Directory.Exists(link))
            {
                File.Delete(link);
            }

            File.CreateSymbolicLink(link, target);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static async Task WriteTreeAsync(TarWriter writer, DirectoryInfo directory, string prefix, CancellationToken cancellationToken)
    {
        foreach (var item in directory.EnumerateFileSystemInfos())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = prefix.Length == 0 ? item.Name : $"{prefix}/{item.Name}";
            if (item.LinkTarget is { } linkTarget)
            {
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = linkTarget, Mode = (UnixFileMode)0x1FF }, cancellationToken);
            }
            else if (item is DirectoryInfo subdirectory)
            {
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, name + "/") { Mode = item.UnixFileMode, ModificationTime = item.LastWriteTimeUtc }, cancellationToken);
                await WriteTreeAsync(writer, subdirectory, name, cancellationToken);
            }
            else if (item is FileInfo file)
            {
                await using var data = file.OpenRead();
                await writer.WriteEntryAsync(
                    new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data, Mode = item.UnixFileMode, ModificationTime = item.LastWriteTimeUtc },
                    cancellationToken);
            }
        }
    }

    private async Task ExtractAsync(FileStream archive, string target, CancellationToken cancellationToken)
    {
        archive.Position = 0;
        await Call(
            async () =>
            {
                // Extracted at the root with full paths, so missing parent directories are created (0755, root).
                await client.Containers.ExtractArchiveToContainerAsync(
                    containerId, new CopyToContainerParameters { Path = "/" }, archive, cancellationToken);
                return true;
            },
            $"write {target} into the container");
    }

    private async Task<FileStream> SpoolAsync(Stream content, CancellationToken cancellationToken)
    {
        var spool = CreateScratchFile();
        await content.CopyToAsync(spool, cancellationToken);
        spool.Position = 0;
        return spool;
    }

    private FileStream CreateScratchFile()
    {
        Directory.CreateDirectory(scratchDirectory);
        return new FileStream(
            Path.Combine(scratchDirectory, $"docker-archive-{Guid.NewGuid():N}.tar"),
            FileMode.CreateNew,
            FileAccess.ReadWrite,
            FileShare.None,
            81920,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
    }

    private static string StripFirstComponent(string name)
    {
        var trimmed = name.TrimStart('.', '/');
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "" : trimmed[(slash + 1)..].TrimEnd('/');
    }

    private static string Inside(string root, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(root, relative));
        return full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? full
            : throw new KilnException($"The container sent an archive entry '{relative}' that points outside '{root}'.");
    }

    private async Task<T> Call<T>(Func<Task<T>> call, string doing)
    {
        try
        {
            return await call();
        }
        catch (DockerApiException ex)
        {
            throw new KilnException($"Could not {doing} ({containerId[..Math.Min(12, containerId.Length)]}): {DockerEngine.ErrorMessage(ex)}", null, ex);
        }
    }
}
