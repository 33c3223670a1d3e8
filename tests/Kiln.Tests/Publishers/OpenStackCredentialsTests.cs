using Kiln.Diagnostics;
using Kiln.Publishers;

namespace Kiln.Tests.Publishers;

/// <summary>Where the openstack-image publisher takes each credential from: its own key, then clouds.yaml, then OS_* variables.</summary>
public sealed class OpenStackCredentialsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kiln-openstack-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_publishers_keys_win_over_clouds_yaml_which_wins_over_os_variables()
    {
        var clouds = Path.Combine(_directory, "clouds.yaml");
        File.WriteAllText(clouds, """
            clouds:
              lab:
                region_name: LabRegion
                auth:
                  auth_url: https://lab.example:5000/v3
                  username: lab-user
                  project_name: lab-project
                  user_domain_name: LabDomain
            """);
        var environment = new Dictionary<string, string>
        {
            ["OS_CLOUD"] = "lab",
            ["OS_PASSWORD"] = "from-env",
            ["OS_USERNAME"] = "env-user",
            ["OS_AUTH_URL"] = "https://env.example/v3",
        };

        var credentials = OpenStackCredentials.Resolve(
            new OpenStackImageConfig { ImageName = "x", Username = "own-user" }, null, n => environment.GetValueOrDefault(n), [Path.Combine(_directory, "missing.yaml"), clouds]);

        Assert.Equal(
            ("https://lab.example:5000/v3", "own-user", "from-env", "lab-project", "LabDomain", "Default", "LabRegion", "public", "lab"),
            (credentials.AuthUrl, credentials.Username, credentials.Password, credentials.ProjectName, credentials.UserDomainName, credentials.ProjectDomainName, credentials.Region, credentials.Interface, credentials.Cloud));
    }

    [Fact]
    public void A_named_cloud_missing_from_clouds_yaml_lists_the_clouds_there()
    {
        var clouds = Path.Combine(_directory, "clouds.yaml");
        File.WriteAllText(clouds, "clouds:\n  alpha: { auth: { auth_url: https://a.example } }\n  beta: {}\n");

        var error = Assert.Throws<KilnException>(() => OpenStackCredentials.Resolve(new OpenStackImageConfig { ImageName = "x", Cloud = "gamma" }, null, _ => null, [clouds]));

        Assert.Contains("has no cloud named 'gamma'", error.Message, StringComparison.Ordinal);
        Assert.Contains("alpha, beta", error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://keystone.example:5000", "https://keystone.example:5000/v3/auth/tokens")]
    [InlineData("https://keystone.example:5000/v3/", "https://keystone.example:5000/v3/auth/tokens")]
    [InlineData("http://devstack/identity", "http://devstack/identity/v3/auth/tokens")]
    public void The_auth_url_is_taken_with_or_without_its_version(string authUrl, string tokens) =>
        Assert.Equal(tokens, KeystoneSession.TokensUrl(authUrl).ToString());
}
