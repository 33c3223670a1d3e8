using Kiln.Diagnostics;
using Kiln.Provisioners;

namespace Kiln.IntegrationTests.Provisioners;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ShellLocalProvisionerTests : ProvisionerHarness
{
    [Fact]
    public async Task Runs_on_the_build_host_in_the_definition_directory_with_the_build_values_and_env()
    {
        await ProvisionAsync("shell-local", new ShellLocalConfig
        {
            Command = "printf '%s\\n' \"$KILN_BUILD_NAME\" \"$KILN_SOURCE\" \"$KILN_OUTPUT\" \"$KILN_RUN_ID\" \"$KILN_SSH_PORT\" \"$TOKEN\" \"$PWD\" > values; echo written",
            Env = new Dictionary<string, string> { ["TOKEN"] = "s3 'cret'" },
        });

        var values = await File.ReadAllLinesAsync(Path.Combine(DefinitionDirectory, "values"), Cancellation);
        Assert.Equal(
            ["web.local", "local", State.Context.OutputDirectory, State.Context.RunId, Sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "s3 'cret'", DefinitionDirectory],
            values);
        Assert.Contains("stdout: written", Log.Lines);
        Assert.DoesNotContain("s3 'cret'", Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Ledger.Open, r => r.Kind == "process");
    }

    [Fact]
    public async Task The_SSH_values_reach_the_machine_from_the_build_host()
    {
        await ProvisionAsync("shell-local", new ShellLocalConfig
        {
            Inline =
            [
                "ssh -i \"$KILN_SSH_PRIVATE_KEY_FILE\" -p \"$KILN_SSH_PORT\" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes " +
                $"\"$KILN_SSH_USER@$KILN_SSH_HOST\" 'echo from-ssh > {Remote}/via-ssh'",
            ],
        });

        Assert.Equal("from-ssh\n", await File.ReadAllTextAsync(Path.Combine(Remote, "via-ssh"), Cancellation));
    }

    [Fact]
    public async Task Inline_commands_stop_at_the_first_failure_and_the_error_has_the_exit_code_and_last_lines()
    {
        var error = await Assert.ThrowsAsync<KilnException>(() => ProvisionAsync("shell-local", new ShellLocalConfig
        {
            Inline = ["echo 'about to fail' >&2", "exit 5", "touch should-not-exist"],
        }));

        Assert.Contains("exited with code 5", error.Message, StringComparison.Ordinal);
        Assert.Contains("about to fail", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(DefinitionDirectory, "should-not-exist")));
    }

    [Fact]
    public async Task Cancelling_stops_the_command_and_its_children_and_releases_the_ledger()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        Kiln.Engine.IProvisioner provisioner = new ShellLocalProvisioner();
        var run = provisioner.RunAsync(new ShellLocalConfig { Inline = ["sleep 300 &", "echo $! > child.pid", "wait"] }, State, cancel.Token);
        var pidFile = Path.Combine(DefinitionDirectory, "child.pid");
        while (!File.Exists(pidFile) || (await File.ReadAllTextAsync(pidFile, Cancellation)).Trim().Length == 0)
        {
            await Task.Delay(100, Cancellation);
        }

        var child = int.Parse((await File.ReadAllTextAsync(pidFile, Cancellation)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(Ledger.Open, r => r.Kind == "process");

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.False(Directory.Exists($"/proc/{child}") && !File.ReadAllText($"/proc/{child}/stat").Contains(") Z ", StringComparison.Ordinal), $"sleep {child} survived");
        Assert.DoesNotContain(Ledger.Open, r => r.Kind == "process");
    }

    [Fact]
    public async Task Runs_a_script_relative_to_the_definition()
    {
        await WriteDefinitionFileAsync("hooks/notify.sh", "echo \"notified $KILN_IMAGE\" > notified\n");

        await ProvisionAsync("shell-local", new ShellLocalConfig { Script = "hooks/notify.sh" });

        Assert.Equal("notified web\n", await File.ReadAllTextAsync(Path.Combine(DefinitionDirectory, "notified"), Cancellation));
    }
}
