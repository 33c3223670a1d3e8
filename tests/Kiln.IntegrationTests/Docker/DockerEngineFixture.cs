using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Kiln.Docker;

namespace Kiln.IntegrationTests.Docker;

/// <summary>
/// A private dockerd (vfs storage, no iptables, no bridge) on its own socket, a Debian registry with basic auth
/// on 127.0.0.1, and a Debian rootfs tarball (mmdebstrap, cached across runs). Everything but the cache is
/// removed on dispose.
/// </summary>
public sealed class DockerEngineFixture : IAsyncLifetime
{
    public const string RegistryUser = "kiln";
    public const string RegistryPassword = "registry-pass-7f3a91";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-dockerd-").FullName;
    private Process? _dockerd;
    private Process? _registry;

    /// <summary>unix:// endpoint of the private engine.</summary>
    public string Host => $"unix://{Path.Combine(_root, "docker.sock")}";

    /// <summary>host:port of the registry.</summary>
    public string Registry { get; private set; } = "";

    public string BaseTarball { get; private set; } = "";

    /// <summary>A root filesystem of static busybox alone: for tests about the builder's mechanics, fast to import and copy.</summary>
    public string TinyTarball { get; private set; } = "";

    public string Root => _root;

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        BaseTarball = await DebianRootfs.EnsureAsync(cancellationToken);
        TinyTarball = await BusyboxRootfs.WriteAsync(Path.Combine(_root, "busybox-rootfs.tar"), cancellationToken);
        Registry = $"127.0.0.1:{FreePort()}";
        _registry = await StartRegistryAsync(cancellationToken);
        _dockerd = StartDockerd();
        await WaitForEngineAsync(cancellationToken);
    }

    public IDockerClient CreateClient() => DockerEngine.CreateClient(Host);

    /// <summary>Runs the docker CLI against the private engine, as a user would.</summary>
    public Task<ProcessResult> DockerAsync(string arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync("docker", arguments, cancellationToken, new Dictionary<string, string> { ["DOCKER_HOST"] = Host, ["DOCKER_CONFIG"] = Path.Combine(_root, "cli") });

    public async ValueTask DisposeAsync()
    {
        await StopAsync(_dockerd, TimeSpan.FromSeconds(30));
        await StopAsync(_registry, TimeSpan.FromSeconds(5));
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A mount the engine left in exec-root: unmount below it, then try again.
            await ProcessRunner.RunAsync("sh", $"-c \"grep -o ' {_root}[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l\"", CancellationToken.None);
            Directory.Delete(_root, recursive: true);
        }
    }

    private async Task<Process> StartRegistryAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, "registry")).FullName;
        var htpasswd = await ProcessRunner.RunAsync("htpasswd", $"-nbB {RegistryUser} {RegistryPassword}", cancellationToken);
        Assert.True(htpasswd.ExitCode == 0, $"htpasswd failed (apache2-utils): {htpasswd.Output}");
        await File.WriteAllTextAsync(Path.Combine(directory, "htpasswd"), htpasswd.Output.Trim() + "\n", cancellationToken);
        var configPath = Path.Combine(directory, "config.yml");
        await File.WriteAllTextAsync(configPath, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(directory, "data")}
              delete:
                enabled: true
            http:
              addr: {Registry}
            auth:
              htpasswd:
                realm: kiln-tests
                path: {Path.Combine(directory, "htpasswd")}
            """, cancellationToken);
        var process = ProcessRunner.Start("docker-registry", $"serve {configPath}", Path.Combine(directory, "registry.log"));
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://{Registry}/v2/"), cancellationToken);
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.OK)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                Assert.Fail($"registry did not start: {await File.ReadAllTextAsync(Path.Combine(directory, "registry.log"), cancellationToken)}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private Process StartDockerd() =>
        ProcessRunner.Start(
            "dockerd",
            string.Join(' ',
                "--storage-driver vfs --iptables=false --ip-masq=false --bridge=none",
                $"--data-root {_root}/data --exec-root {_root}/exec --pidfile {_root}/dockerd.pid",
                $"-H {Host} --insecure-registry {Registry}"),
            Path.Combine(_root, "dockerd.log"));

    private async Task WaitForEngineAsync(CancellationToken cancellationToken)
    {
        using var client = CreateClient();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                await client.System.PingAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or DockerApiException && DateTime.UtcNow < deadline && !_dockerd!.HasExited)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    private static async Task StopAsync(Process? process, TimeSpan grace)
    {
        if (process is null)
        {
            return;
        }

        using (process)
        {
            if (!process.HasExited)
            {
                // SIGTERM lets dockerd stop its containerd and unmount; kill the tree only if it hangs.
                await ProcessRunner.RunAsync("kill", $"-TERM {process.Id}", CancellationToken.None);
                using var wait = new CancellationTokenSource(grace);
                try
                {
                    await process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None);
                }
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class DockerEngineCollection : ICollectionFixture<DockerEngineFixture>
{
    public const string Name = "docker engine";
}
