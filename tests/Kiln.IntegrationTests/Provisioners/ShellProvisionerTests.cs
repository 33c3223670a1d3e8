using Kiln.Diagnostics;
using Kiln.Provisioners;

namespace Kiln.IntegrationTests.Provisioners;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ShellProvisionerTests : ProvisionerHarness
{
    [Fact]
    public async Task Inline_commands_run_in_order_with_the_build_values_their_output_streams_to_the_log_and_the_script_is_removed()
    {
        var scripts = Directory.CreateDirectory(Path.Combine(Remote, "scripts")).FullName;

        await ProvisionAsync("shell", new ShellConfig
        {
            Inline = ["echo \"first $KILN_BUILD_NAME $KILN_SOURCE\"", "echo warning >&2", "echo second", $"echo done > {Remote}/marker"],
            RemoteFolder = scripts,
        });

        Assert.Equal("done\n", await File.ReadAllTextAsync(Path.Combine(Remote, "marker"), Cancellation));
        var lines = Log.Lines.ToList();
        var first = lines.IndexOf("stdout: first web.local local");
        Assert.True(first >= 0, Log.Text);
        Assert.True(lines.IndexOf("stdout: second") > first, Log.Text);
        Assert.Contains("stderr: warning", lines);
        Assert.Empty(Directory.EnumerateFileSystemEntries(scripts));
    }

    [Fact]
    public async Task Secret_environment_values_arrive_intact_through_exports_and_through_Vars_and_never_reach_the_log()
    {
        const string secret = "p@ss 'w\"o$rd`\nline two";
        foreach (var template in new[] { ShellConfig.DefaultExecuteCommand, "chmod +x {path}; {path}", "sudo -n {{ .Vars }} sh {{.Path}}" })
        {
            var target = Path.Combine(Remote, "secret-" + Guid.NewGuid().ToString("N"));

            await ProvisionAsync("shell", new ShellConfig
            {
                Inline = [$"printf '%s' \"$DB_PASSWORD\" > {target}"],
                Env = new Dictionary<string, string> { ["DB_PASSWORD"] = secret },
                ExecuteCommand = template,
                RemoteFolder = Remote,
            });

            Assert.Equal(secret, await File.ReadAllTextAsync(target, Cancellation));
        }

        Assert.DoesNotContain("p@ss", Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("line two", Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Script_and_scripts_are_read_relative_to_the_definition_and_run_in_order()
    {
        await WriteDefinitionFileAsync("scripts/one.sh", $"#!/bin/sh\necho one >> {Remote}/order\n");
        await WriteDefinitionFileAsync("scripts/two.sh", $"#!/bin/sh\necho two >> {Remote}/order\n");

        await ProvisionAsync("shell", new ShellConfig { Script = "scripts/one.sh", RemoteFolder = Remote });
        await ProvisionAsync("shell", new ShellConfig { Scripts = ["scripts/two.sh", "scripts/one.sh"], RemoteFolder = Remote });

        Assert.Equal("one\ntwo\none\n", await File.ReadAllTextAsync(Path.Combine(Remote, "order"), Cancellation));
        Assert.Equal(["order"], Directory.EnumerateFileSystemEntries(Remote).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_failing_script_is_an_error_naming_the_script_the_exit_code_and_its_last_lines_and_is_still_removed()
    {
        await WriteDefinitionFileAsync("fail.sh", "#!/bin/sh\necho preparing\necho 'disk full' >&2\nexit 7\n");

        var error = await Assert.ThrowsAsync<KilnException>(() =>
            ProvisionAsync("shell", new ShellConfig { Script = "fail.sh", RemoteFolder = Remote }));

        Assert.Contains("provisioner 'shell'", error.Message, StringComparison.Ordinal);
        Assert.Contains("fail.sh exited with code 7", error.Message, StringComparison.Ordinal);
        Assert.Contains("disk full", error.Message, StringComparison.Ordinal);
        Assert.Contains("preparing", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Remote));
    }

    [Fact]
    public async Task Secrets_in_the_output_are_masked_in_the_error_message()
    {
        State.Context.Redactor.Add("hunter2-secret");

        var error = await Assert.ThrowsAsync<KilnException>(() => ProvisionAsync("shell", new ShellConfig
        {
            Inline = ["echo \"token is $TOKEN\"", "exit 1"],
            Env = new Dictionary<string, string> { ["TOKEN"] = "hunter2-secret" },
            RemoteFolder = Remote,
        }));

        Assert.Contains("token is <sensitive>", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Valid_exit_codes_decide_what_counts_as_success()
    {
        await ProvisionAsync("shell", new ShellConfig { Inline = ["exit 3"], ValidExitCodes = [0, 3], RemoteFolder = Remote });

        var error = await Assert.ThrowsAsync<KilnException>(() =>
            ProvisionAsync("shell", new ShellConfig { Inline = ["exit 0"], ValidExitCodes = [3], RemoteFolder = Remote }));
        Assert.Contains("exited with code 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_expect_disconnect_a_script_that_drops_the_connection_succeeds_and_the_next_provisioner_reconnects()
    {
        await ProvisionAsync("shell", new ShellConfig
        {
            Inline = [$"echo before > {Remote}/before", "kill -9 $PPID", "sleep 60"],
            ExpectDisconnect = true,
            RemoteFolder = Remote,
        });
        await ProvisionAsync("shell", new ShellConfig { Inline = [$"echo after > {Remote}/after"], RemoteFolder = Remote });

        Assert.True(File.Exists(Path.Combine(Remote, "before")));
        Assert.True(File.Exists(Path.Combine(Remote, "after")));
        Assert.Contains("closed the connection, as expected", Log.Text, StringComparison.Ordinal);
        Assert.Equal(["after", "before"], Directory.EnumerateFileSystemEntries(Remote).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task With_expect_disconnect_a_restart_of_sshd_is_survived()
    {
        var restart = Task.Run(async () =>
        {
            // Stands in for "systemctl restart ssh" in a script: the listener and every session die, then it returns.
            while (!File.Exists(Path.Combine(Remote, "restart-now")))
            {
                await Task.Delay(100, Cancellation);
            }

            await Sshd.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(2), Cancellation);
            await Sshd.StartAsync(Cancellation);
        }, Cancellation);

        await ProvisionAsync("shell", new ShellConfig
        {
            Inline = [$"touch {Remote}/restart-now", "sleep 60"],
            ExpectDisconnect = true,
            RemoteFolder = Remote,
        });
        await restart;
        await ProvisionAsync("shell", new ShellConfig { Inline = [$"echo after > {Remote}/after"], RemoteFolder = Remote });

        Assert.True(File.Exists(Path.Combine(Remote, "after")));
    }

    [Fact]
    public async Task Without_expect_disconnect_a_dropped_connection_is_an_error_that_suggests_it()
    {
        var error = await Assert.ThrowsAsync<KilnException>(() =>
            ProvisionAsync("shell", new ShellConfig { Inline = ["kill -9 $PPID", "sleep 60"], RemoteFolder = Remote }));

        Assert.Contains("connection dropped", error.Message, StringComparison.Ordinal);
        Assert.Contains("expect_disconnect", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sudo_runs_the_script_as_root()
    {
        await ProvisionAsync("shell", new ShellConfig { Inline = [$"id -u > {Remote}/uid"], Sudo = true, RemoteFolder = Remote });

        Assert.Equal("0\n", await File.ReadAllTextAsync(Path.Combine(Remote, "uid"), Cancellation));
    }
}
