using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Publishers;

public sealed class ShellLocalTests
{
    private readonly IPublisher _publisher = new ShellLocalPublisher();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_command_sees_the_artifact_in_its_environment_and_its_output_reaches_the_log()
    {
        using var build = new PublishTestBuild(image: "web", source: "qemu");
        var disk = build.WriteFile("disk one.qcow2", 100);
        var box = build.WriteFile("web.box", 50);
        var input = PublishTestBuild.ArtifactOf("vagrant", "libvirt", disk, box) with
        {
            Outputs = new Dictionary<string, string> { ["box-path"] = box },
        };
        var config = new ShellLocalConfig
        {
            Options = new()
            {
                Inline =
                [
                    "echo \"build=$KILN_BUILD_NAME image=$KILN_IMAGE source=$KILN_SOURCE type=$KILN_SOURCE_TYPE packer=$PACKER_BUILD_NAME\"",
                    "echo \"id=$KILN_ARTIFACT_ID builder=$KILN_ARTIFACT_BUILDER_TYPE out=$KILN_OUTPUT run=$KILN_RUN_ID extra=$EXTRA\"",
                    "printf '%s\\n' \"$KILN_ARTIFACT_FILES\" | while read -r f; do echo \"file=$f size=$(stat -c %s \"$f\")\"; done",
                    "echo \"box=$KILN_ARTIFACT_OUTPUT_BOX_PATH cwd=$(pwd)\"",
                    "echo oops >&2",
                ],
                Env = new Dictionary<string, string> { ["EXTRA"] = "42" },
            },
        };

        var returned = await _publisher.PublishAsync(config, build.State, [input], Token);

        Assert.Same(input, Assert.Single(returned));
        var lines = build.Log.Lines.ToList();
        Assert.Contains("stdout: build=web.qemu image=web source=qemu type=qemu packer=web.qemu", lines);
        Assert.Contains($"stdout: id=libvirt builder=vagrant out={Path.GetFullPath(build.Context.OutputDirectory)} run={build.Context.RunId} extra=42", lines);
        Assert.Contains($"stdout: file={disk} size=100", lines);
        Assert.Contains($"stdout: file={box} size=50", lines);
        Assert.Contains($"stdout: box={box} cwd={Path.GetDirectoryName(build.Context.Image.FilePath)}", lines);
        Assert.Contains("stderr: oops", lines);
        Assert.Empty(((MemoryLedger)build.Context.Ledger).Open);
    }

    [Fact]
    public async Task A_failing_exit_code_is_an_error_unless_listed_as_valid()
    {
        using var build = new PublishTestBuild();
        var input = PublishTestBuild.ArtifactOf("qemu", "x");

        var error = await Assert.ThrowsAsync<KilnException>(() =>
            _publisher.PublishAsync(new ShellLocalConfig { Options = new() { Inline = ["false", "echo not reached"] } }, build.State, [input], Token));
        Assert.Contains("exited with code 1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(build.Log.Lines, l => l.Contains("not reached", StringComparison.Ordinal));

        await _publisher.PublishAsync(new ShellLocalConfig { Options = new() { Command = "exit 3", ValidExitCodes = [0, 3] } }, build.State, [input], Token);
    }

    [Fact]
    public async Task A_script_file_runs_relative_to_the_definition()
    {
        using var build = new PublishTestBuild();
        var definitionDirectory = Path.GetDirectoryName(build.Context.Image.FilePath)!;
        Directory.CreateDirectory(Path.Combine(definitionDirectory, "scripts"));
        File.WriteAllText(Path.Combine(definitionDirectory, "scripts", "notify.sh"), "echo \"notify $KILN_ARTIFACT_ID\"\n");

        await _publisher.PublishAsync(new ShellLocalConfig { Options = new() { Script = "scripts/notify.sh" } }, build.State, [PublishTestBuild.ArtifactOf("qemu", "img-1")], Token);

        Assert.Contains("stdout: notify img-1", build.Log.Lines);
    }

    [Fact]
    public async Task A_timeout_kills_the_command_and_what_it_started()
    {
        using var build = new PublishTestBuild();
        var pidFile = Path.Combine(build.Root, "child.pid");

        var error = await Assert.ThrowsAsync<KilnException>(() => _publisher.PublishAsync(
            new ShellLocalConfig { Options = new() { Command = $"sleep 300 & echo $! > '{pidFile}'; wait" }, Timeout = TimeSpan.FromSeconds(8) },
            build.State, [PublishTestBuild.ArtifactOf("qemu", "x")], Token));

        Assert.Contains("timeout", error.Message, StringComparison.Ordinal);
        await AssertGoneAsync(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(((MemoryLedger)build.Context.Ledger).Open);
    }

    [Fact]
    public async Task Cancellation_kills_the_command()
    {
        using var build = new PublishTestBuild();
        var pidFile = Path.Combine(build.Root, "shell.pid");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var run = _publisher.PublishAsync(
            new ShellLocalConfig { Options = new() { Command = $"echo $$ > '{pidFile}'; exec sleep 300" } }, build.State, [PublishTestBuild.ArtifactOf("qemu", "x")], cancel.Token);
        while (!File.Exists(pidFile) || File.ReadAllText(pidFile).Length == 0)
        {
            await Task.Delay(50, Token);
        }

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await AssertGoneAsync(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task AssertGoneAsync(int pid)
    {
        for (var i = 0; i < 200 && Directory.Exists($"/proc/{pid}") && !IsZombie(pid); i++)
        {
            await Task.Delay(50, Token);
        }

        Assert.True(!Directory.Exists($"/proc/{pid}") || IsZombie(pid), $"process {pid} is still running");
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
