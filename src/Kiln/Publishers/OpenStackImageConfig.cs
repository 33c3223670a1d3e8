using System.ComponentModel;
using Kiln.Definitions;

namespace Kiln.Publishers;

[Description("Uploads the captured qcow2 (or raw) disk to OpenStack Glance (image API v2) with a Keystone v3 token. Credentials come from these keys, else the OS_* environment variables, else the clouds.yaml entry named by cloud / OS_CLOUD.")]
internal sealed class OpenStackImageConfig : PublisherConfig, IValidatableConfig
{
    [Description("Name of the Glance image.")]
    public required string ImageName { get; init; }

    [Description("private, shared, community or public; set after the data is uploaded, so a half-uploaded image is never visible.")]
    public GlanceVisibility Visibility { get; init; } = GlanceVisibility.Private;

    [Description("Image properties (metadata) set after the upload, e.g. { os_distro: debian, hw_disk_bus: virtio }.")]
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    [Description("Image tags.")]
    public IReadOnlyList<string> Tags { get; init; } = [];

    [Description("Smallest root disk, in GB, a flavor needs to boot the image.")]
    public int? MinDisk { get; init; }

    [Description("Smallest memory, in MB, a flavor needs to boot the image.")]
    public int? MinRam { get; init; }

    [Description("Use Glance's interoperable image import (stage the data, then the glance-direct import task) instead of the direct upload.")]
    public bool UseImport { get; init; }

    [Description("Name of an entry in clouds.yaml (./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml, or OS_CLIENT_CONFIG_FILE). Default: OS_CLOUD.")]
    public string? Cloud { get; init; }

    [Description("Keystone URL, e.g. https://keystone.example:5000/v3. Default: OS_AUTH_URL.")]
    public string? AuthUrl { get; init; }

    [Description("Default: OS_USERNAME.")]
    public string? Username { get; init; }

    [Description("A sensitive variable or {{ env.X }}. Default: OS_PASSWORD.")]
    public string? Password { get; init; }

    [Description("Project (tenant) the token is scoped to. Default: OS_PROJECT_NAME (or OS_PROJECT_ID).")]
    public string? ProjectName { get; init; }

    [Description("Default: OS_USER_DOMAIN_NAME, else Default.")]
    public string? UserDomainName { get; init; }

    [Description("Default: OS_PROJECT_DOMAIN_NAME, else Default.")]
    public string? ProjectDomainName { get; init; }

    [Description("Region whose image endpoint is used. Default: OS_REGION_NAME, else the first image endpoint.")]
    public string? Region { get; init; }

    [Description("Which catalog endpoint to use: public, internal or admin. Default: OS_INTERFACE, else public.")]
    public string? Interface { get; init; }

    [Description("How long the image may take to become active after the upload (import tasks run in the background).")]
    public TimeSpan ActiveTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public IEnumerable<ConfigProblem> Validate()
    {
        if (string.IsNullOrWhiteSpace(ImageName))
        {
            yield return new ConfigProblem("image_name", "must not be empty");
        }

        if (AuthUrl is not null && !(Uri.TryCreate(AuthUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            yield return new ConfigProblem("auth_url", $"'{AuthUrl}' is not an http(s) URL", "e.g. auth_url: https://keystone.example:5000/v3");
        }

        if (Interface is not (null or "public" or "internal" or "admin"))
        {
            yield return new ConfigProblem("interface", $"'{Interface}' is not public, internal or admin");
        }

        if (ActiveTimeout <= TimeSpan.Zero)
        {
            yield return new ConfigProblem("active_timeout", "must be longer than zero");
        }

        foreach (var (key, value) in new[] { ("min_disk", MinDisk), ("min_ram", MinRam) })
        {
            if (value < 0)
            {
                yield return new ConfigProblem(key, "must not be negative");
            }
        }

        foreach (var reserved in Properties.Keys.Where(ReservedProperties.Contains))
        {
            yield return new ConfigProblem("properties", $"'{reserved}' is an image attribute Glance sets itself, not a property", "use the publisher's own keys (visibility, min_disk, tags ...) or another property name");
        }
    }

    private static readonly HashSet<string> ReservedProperties = new(StringComparer.Ordinal)
    {
        "id", "name", "status", "visibility", "protected", "checksum", "os_hash_algo", "os_hash_value", "size", "virtual_size",
        "disk_format", "container_format", "min_disk", "min_ram", "tags", "owner", "created_at", "updated_at", "file", "schema", "self", "locations",
    };
}

internal enum GlanceVisibility
{
    Private,
    Shared,
    Community,
    Public,
}
