using Kiln.Diagnostics;

namespace Kiln.Publishers;

/// <summary>
/// What a Keystone v3 password authentication needs. Each value comes from the publisher's own key, else the
/// clouds.yaml entry named by <c>cloud</c> / OS_CLOUD, else the OS_* environment variable the openstack CLI reads.
/// </summary>
internal sealed record OpenStackCredentials(
    string AuthUrl,
    string Username,
    string Password,
    string? ProjectName,
    string? ProjectId,
    string UserDomainName,
    string ProjectDomainName,
    string? Region,
    string Interface,
    string? Cloud)
{
    public const string MissingHint =
        "set OS_AUTH_URL, OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME (or OS_PROJECT_ID), with OS_USER_DOMAIN_NAME and OS_PROJECT_DOMAIN_NAME when not Default " +
        "(an openrc file sets them), or OS_CLOUD naming an entry of clouds.yaml, or auth_url, username, password and project_name in the publisher";

    public static OpenStackCredentials Resolve(
        OpenStackImageConfig? config, string? cloudName, Func<string, string?> environment, IReadOnlyList<string> cloudsYamlPaths)
    {
        cloudName ??= config?.Cloud ?? Blank(environment("OS_CLOUD"));
        var cloud = cloudName is null ? null : CloudsYaml.Find(cloudName, cloudsYamlPaths);
        string? Pick(string? own, string cloudKey, string variable) =>
            Blank(own) ?? Blank(cloud?.GetValueOrDefault(cloudKey)) ?? Blank(environment(variable));

        var authUrl = Pick(config?.AuthUrl, "auth_url", "OS_AUTH_URL");
        var username = Pick(config?.Username, "username", "OS_USERNAME");
        var password = Pick(config?.Password, "password", "OS_PASSWORD");
        var projectName = Pick(config?.ProjectName, "project_name", "OS_PROJECT_NAME") ?? Pick(null, "tenant_name", "OS_TENANT_NAME");
        var projectId = Pick(null, "project_id", "OS_PROJECT_ID") ?? Pick(null, "tenant_id", "OS_TENANT_ID");
        var missing = new List<string>();
        if (authUrl is null)
        {
            missing.Add("OS_AUTH_URL");
        }

        if (username is null)
        {
            missing.Add("OS_USERNAME");
        }

        if (password is null)
        {
            missing.Add("OS_PASSWORD");
        }

        if (projectName is null && projectId is null)
        {
            missing.Add("OS_PROJECT_NAME");
        }

        if (missing.Count > 0)
        {
            var where = cloudName is null ? "no cloud named (OS_CLOUD is not set)" : $"clouds.yaml entry '{cloudName}'";
            throw new KilnException($"openstack-image: no OpenStack credentials: {string.Join(", ", missing)} missing ({where})", MissingHint);
        }

        return new OpenStackCredentials(
            authUrl!,
            username!,
            password!,
            projectName,
            projectId,
            Pick(config?.UserDomainName, "user_domain_name", "OS_USER_DOMAIN_NAME") ?? "Default",
            Pick(config?.ProjectDomainName, "project_domain_name", "OS_PROJECT_DOMAIN_NAME") ?? "Default",
            Pick(config?.Region, "region_name", "OS_REGION_NAME"),
            Pick(config?.Interface, "interface", "OS_INTERFACE") ?? "public",
            cloudName);
    }

    /// <summary>Where the openstack CLI looks for clouds.yaml, first match wins: OS_CLIENT_CONFIG_FILE, the current directory, the user's, the system's.</summary>
    public static IReadOnlyList<string> CloudsYamlPaths(Func<string, string?> environment)
    {
        var paths = new List<string>();
        if (Blank(environment("OS_CLIENT_CONFIG_FILE")) is { } explicitFile)
        {
            paths.Add(explicitFile);
        }

        paths.Add(Path.Combine(Directory.GetCurrentDirectory(), "clouds.yaml"));
        var home = Blank(environment("HOME")) ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        paths.Add(Path.Combine(Blank(environment("XDG_CONFIG_HOME")) ?? Path.Combine(home, ".config"), "openstack", "clouds.yaml"));
        paths.Add("/etc/openstack/clouds.yaml");
        return paths;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
