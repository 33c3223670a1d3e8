namespace Kiln.Definitions;

/// <summary>
/// <c>{{ http.ip }}</c> and <c>{{ http.port }}</c>: the address of a build's HTTP server (answer files for installers),
/// known only once the server listens. Interpolation leaves them as these exact texts; the builder replaces them.
/// </summary>
public static class HttpPlaceholders
{
    public const string Ip = "{{ http.ip }}";

    public const string Port = "{{ http.port }}";

    public static readonly IReadOnlyList<string> Keys = ["ip", "port"];
}
