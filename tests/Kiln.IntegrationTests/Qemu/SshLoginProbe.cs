using System.Collections.Concurrent;
using Kiln.Communicators;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.IntegrationTests.Publishers;
using Kiln.Provisioners;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// Real OpenSSH logins into a build machine, for tests that must prove which keys it accepts. A <see cref="Capture"/>
/// step copies the build's private key into the probe's directory under a name; a <see cref="TryLogin"/> step, in a
/// later build, runs <c>ssh</c> against that build's forwarded port with the named key and with the build's own key.
/// The own key's login is the control: it shows the probe can succeed, so a refusal of the other key means something.
/// Neither step can be cached: a step resumed from a cached layer does not run, and would prove nothing.
/// </summary>
internal sealed class SshLoginProbe(string directory) : Provisioner<SshLoginProbeConfig>
{
    private const string PluginType = "ssh-login-probe";
    private readonly ConcurrentDictionary<string, SshLogins> _logins = new(StringComparer.Ordinal);

    public override string Type => PluginType;

    public static ResolvedPlugin<ProvisionerConfig> Capture(string name) =>
        new(PluginType, new SshLoginProbeConfig { Key = name, Login = false }, null);

    public static ResolvedPlugin<ProvisionerConfig> TryLogin(string keyName) =>
        new(PluginType, new SshLoginProbeConfig { Key = keyName, Login = true }, null);

    /// <summary>What the <see cref="TryLogin"/> step with <paramref name="keyName"/> saw.</summary>
    public SshLogins Logins(string keyName) =>
        _logins.TryGetValue(keyName, out var logins) ? logins : throw new InvalidOperationException($"no build tried to log in with the '{keyName}' key");

    protected override bool Cacheable(SshLoginProbeConfig config) => false;

    protected override async Task RunAsync(SshLoginProbeConfig config, BuildState state, CancellationToken cancellationToken)
    {
        var endpoint = (state as ISshTarget)?.SshEndpoint ?? throw new KilnException("the build machine has no SSH endpoint");
        if (endpoint.Bastion is not null)
        {
            throw new KilnException("the probe logs in directly, not through a jump host");
        }

        var own = (state as IBuildKeyHolder)?.BuildKey ?? throw new KilnException("the build has no build key");
        if (!config.Key.All(char.IsAsciiLetterOrDigit))
        {
            throw new KilnException($"'{config.Key}' is not a plain key name");
        }

        var copy = Path.Combine(directory, config.Key);
        if (!config.Login)
        {
            // The directory is the owner's alone, so the copy is never readable by others; ssh wants the file 0600 too.
            UnixModes.CreateDirectory(directory, UnixModes.OwnerOnlyDirectory);
            File.Copy(own.PrivateKeyPath, copy);
            UnixModes.Set(copy, UnixModes.OwnerOnlyFile);
            state.Context.Log.Info($"ssh login probe: kept the build key ({own}) as '{config.Key}'");
            return;
        }

        var logins = new SshLogins(
            await LoginAsync(endpoint, copy, cancellationToken),
            await LoginAsync(endpoint, own.PrivateKeyPath, cancellationToken));
        _logins[config.Key] = logins;
        state.Context.Log.Info($"ssh login probe: {endpoint}: the '{config.Key}' key: exit {logins.WithKey.ExitCode}; this build's key: exit {logins.WithOwnKey.ExitCode}");
    }

    private static Task<ProcessResult> LoginAsync(SshEndpoint endpoint, string privateKey, CancellationToken cancellationToken) =>
        HostProcess.RunAsync(
            "ssh",
            [
                "-F", "/dev/null",
                "-o", "BatchMode=yes",
                "-o", "IdentitiesOnly=yes",
                "-o", "IdentityAgent=none",
                "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null",
                "-o", "ConnectTimeout=30",
                "-i", privateKey,
                "-p", endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-l", endpoint.Username,
                endpoint.Host,
                "true",
            ],
            cancellationToken: cancellationToken);
}

/// <summary>A login with a captured key and one with the build's own key, into the same machine.</summary>
internal sealed record SshLogins(ProcessResult WithKey, ProcessResult WithOwnKey)
{
    /// <summary>sshd refused the kept key and accepted the build's own, so the probe could succeed and the refusal counts.</summary>
    public void AssertOnlyOwnKeyLogsIn()
    {
        Assert.True(WithOwnKey.ExitCode == 0, $"this build's own key should log in:\n{WithOwnKey}");
        Assert.True(
            WithKey.ExitCode == 255 && WithKey.StandardError.Contains("Permission denied (publickey", StringComparison.Ordinal),
            $"the saving build's key should be refused:\n{WithKey}");
    }
}

internal sealed class SshLoginProbeConfig : ProvisionerConfig
{
    /// <summary>The name the build key is kept under, or the kept key to log in with.</summary>
    public required string Key { get; init; }

    /// <summary>False: keep this build's key; true: log in with a kept key.</summary>
    public bool Login { get; init; }
}
