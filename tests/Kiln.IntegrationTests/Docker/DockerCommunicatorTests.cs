using System.Text;
using Kiln.Builders.Docker;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.IntegrationTests.Docker;

[Collection(DockerEngineCollection.Name)]
public sealed class DockerCommunicatorTests(DockerEngineFixture engine)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Commands_run_through_sh_with_streamed_output_environment_and_exit_code()
    {
        await using var build = await BootAsync(DockerTestBuild.Config(engine, env: new Dictionary<string, string> { ["FROM_CONFIG"] = "config value" }));
        var output = new CollectingOutput();

        var result = await build.Communicator.ExecuteAsync(
            new RemoteCommand("echo \"$GREETING, $FROM_CONFIG\"; printf 'no newline'; echo oops >&2; for i in 1 2 3; do echo line $i; done 1>&2; exit 7")
            {
                Environment = new Dictionary<string, string> { ["GREETING"] = "hello world" },
            },
            output,
            Token);

        Assert.Equal(7, result.ExitCode);
        Assert.Equal(["hello world, config value", "no newline"], output.StdoutLines);
        Assert.Equal(["oops", "line 1", "line 2", "line 3"], output.StderrLines);
    }

    [Fact]
    public async Task Uploaded_files_land_with_their_mode_in_new_directories_and_download_unchanged()
    {
        await using var build = await BootAsync(DockerTestBuild.Config(engine));
        var content = Encoding.UTF8.GetBytes("#!/bin/sh\necho 'uploaded script ünïcode'\n");

        // A non-seekable source, like a provisioner's rendered template.
        await build.Communicator.UploadAsync(new NonSeekableStream(content), "/opt/kiln/new/dir/run.sh", Token, mode: 0b111_101_000);

        Assert.Equal("750 root:root", await DockerTestBuild.RunAsync(build.Communicator, "stat -c '%a %U:%G' /opt/kiln/new/dir/run.sh", Token));
        Assert.Equal("uploaded script ünïcode", await DockerTestBuild.RunAsync(build.Communicator, "/opt/kiln/new/dir/run.sh", Token));
        Assert.Equal("1777", await DockerTestBuild.RunAsync(build.Communicator, "stat -c '%a' /tmp", Token));
        using var downloaded = new MemoryStream();
        await build.Communicator.DownloadAsync("/opt/kiln/new/dir/run.sh", downloaded, Token);
        Assert.Equal(content, downloaded.ToArray());
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Directories_round_trip_with_nesting_modes_and_symlinks_and_existing_targets_keep_their_mode()
    {
        await using var build = await BootAsync(DockerTestBuild.Config(engine));
        var local = Directory.CreateTempSubdirectory("kiln-docker-up-").FullName;
        var back = Directory.CreateTempSubdirectory("kiln-docker-down-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(local, "conf.d", "deep"));
            await File.WriteAllTextAsync(Path.Combine(local, "top.txt"), "top", Token);
            await File.WriteAllTextAsync(Path.Combine(local, "conf.d", "deep", "leaf.conf"), "leaf", Token);
            File.SetUnixFileMode(Path.Combine(local, "conf.d", "deep", "leaf.conf"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.CreateSymbolicLink(Path.Combine(local, "link.txt"), "top.txt");

            await build.Communicator.UploadDirectoryAsync(local, "/tmp", Token);

            Assert.Equal("1777", await DockerTestBuild.RunAsync(build.Communicator, "stat -c '%a' /tmp", Token));
            Assert.Equal("top leaf 600 top.txt", await DockerTestBuild.RunAsync(
                build.Communicator, "echo $(cat /tmp/top.txt) $(cat /tmp/conf.d/deep/leaf.conf) $(stat -c %a /tmp/conf.d/deep/leaf.conf) $(readlink /tmp/link.txt)", Token));

            await build.Communicator.DownloadDirectoryAsync("/tmp", back, Token);

            Assert.Equal("top", await File.ReadAllTextAsync(Path.Combine(back, "top.txt"), Token));
            Assert.Equal("leaf", await File.ReadAllTextAsync(Path.Combine(back, "conf.d", "deep", "leaf.conf"), Token));
            Assert.Equal("top.txt", new FileInfo(Path.Combine(back, "link.txt")).LinkTarget);
        }
        finally
        {
            Directory.Delete(local, recursive: true);
            Directory.Delete(back, recursive: true);
        }
    }

    [Fact]
    public async Task Downloading_a_missing_file_or_a_directory_as_a_file_is_a_clear_error()
    {
        await using var build = await BootAsync(DockerTestBuild.Config(engine));

        var missing = await Assert.ThrowsAsync<KilnException>(() => build.Communicator.DownloadAsync("/no/such/file", Stream.Null, Token));
        var directory = await Assert.ThrowsAsync<KilnException>(() => build.Communicator.DownloadAsync("/etc", Stream.Null, Token));

        Assert.Contains("/no/such/file", missing.Message, StringComparison.Ordinal);
        Assert.Contains("is a directory", directory.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Downloading_a_symlink_gives_the_file_it_points_to()
    {
        await using var build = await BootAsync(DockerTestBuild.Config(engine));
        await DockerTestBuild.RunAsync(build.Communicator, "echo target > /root/real && ln -s /root/real /root/alias", Token);

        using var downloaded = new MemoryStream();
        await build.Communicator.DownloadAsync("/root/alias", downloaded, Token);

        Assert.Equal("target\n", Encoding.UTF8.GetString(downloaded.ToArray()));
    }

    [Fact]
    public async Task A_long_command_stops_when_cancelled()
    {
        await using var build = await BootAsync(DockerTestBuild.Config(engine));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var output = new CollectingOutput();

        var running = build.Communicator.ExecuteAsync(new RemoteCommand("echo started; sleep 600"), output, cancel.Token);
        while (output.StdoutLines.Count == 0)
        {
            await Task.Delay(50, Token);
        }

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    private static async Task<BootedContainer> BootAsync(DockerSourceConfig config)
    {
        var context = DockerTestBuild.Context(config);
        var pipeline = new DockerBuilder().CreatePipeline(context);
        try
        {
            await pipeline.RunAsync(Stage.Boot, Token);
        }
        catch
        {
            await pipeline.DisposeAsync();
            throw;
        }

        return new BootedContainer(pipeline);
    }

    private sealed class BootedContainer(IBuildPipeline pipeline) : IAsyncDisposable
    {
        public ICommunicator Communicator => pipeline.State.Communicator!;

        public ValueTask DisposeAsync() => pipeline.DisposeAsync();
    }

    private sealed class NonSeekableStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
