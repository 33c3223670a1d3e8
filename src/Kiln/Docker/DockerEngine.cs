using Docker.DotNet;
using Kiln.Diagnostics;

namespace Kiln.Docker;

/// <summary>Where the Docker Engine API is and how to open a client to it.</summary>
internal static class DockerEngine
{
    public const string DefaultHost = "unix:///var/run/docker.sock";

    /// <summary>The configured host wins, then <c>DOCKER_HOST</c>, then the local socket.</summary>
    public static string ResolveHost(string? configured) =>
        !string.IsNullOrWhiteSpace(configured) ? configured
        : Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } fromEnvironment ? fromEnvironment
        : DefaultHost;

    public static IDockerClient CreateClient(string host)
    {
        if (!Uri.TryCreate(host, UriKind.Absolute, out var endpoint))
        {
            throw new KilnException(
                $"Docker host '{host}' is not a URI.",
                "Use unix:///path/to/docker.sock or tcp://host:2375 (docker_host in the source, or DOCKER_HOST).");
        }

        // Pulls, imports and pushes of large images take longer than HttpClient's default 100 s;
        // every call carries the build's cancellation token instead.
        return new DockerClientBuilder()
            .WithEndpoint(endpoint)
            .WithTimeout(Timeout.InfiniteTimeSpan)
            .Build();
    }

    /// <summary>Opens a client and checks that the engine answers, with a hint when it does not.</summary>
    public static async Task<IDockerClient> ConnectAsync(string host, CancellationToken cancellationToken)
    {
        var client = CreateClient(host);
        try
        {
            await client.System.PingAsync(cancellationToken);
            return client;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw new KilnException(
                $"Cannot reach the Docker engine at {host}: {ex.Message}",
                "Start dockerd, or point docker_host (or DOCKER_HOST) at a running engine.",
                ex);
        }
    }

    /// <summary>Turns an Engine API error into a message a user can act on.</summary>
    public static KilnException Explain(DockerApiException ex, string doing, string? hint = null) =>
        new($"Docker engine refused to {doing}: {ErrorMessage(ex)}", hint, ex);

    internal static string ErrorMessage(DockerApiException ex)
    {
        var body = ex.ResponseBody;
        if (string.IsNullOrWhiteSpace(body))
        {
            return ex.StatusCode.ToString();
        }

        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("message", out var message) && message.GetString() is { } text)
            {
                return text;
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return body.Trim();
    }
}
