namespace Kiln.Builders.Qemu;

/// <summary>
/// What makes a bootstrapped Debian a stock cloud image (bootstrap.cloud_init): cloud-init with the NoCloud
/// datasource, ifupdown and dhclient (what cloud-init renders network config for), no Kiln files, root locked.
/// e2fsprogs and a generated en_US.UTF-8 let cloud-init's resize2fs and locale modules succeed, so its status is "done", not "error".
/// </summary>
internal static class CloudImageRecipe
{
    /// <summary>Bump when the recipe changes, so cached bases made by an older one are not reused.</summary>
    public const int Version = 2;

    public const string DatasourcesPath = "etc/cloud/cloud.cfg.d/90-datasources.cfg";

    // NoCloud only (and None, so a machine without a seed still boots): probing cloud metadata services that do not
    // exist here would add minutes to every boot.
    // manage_etc_hosts: the hostname from meta-data resolves (sudo complains otherwise).
    public const string Datasources = "datasource_list: [ NoCloud, None ]\nmanage_etc_hosts: true\n";

    public static IEnumerable<string> Packages(IEnumerable<string> basePackages) =>
        basePackages.Where(p => p != "systemd-resolved").Concat(["cloud-init", "ifupdown", "isc-dhcp-client", "locales", "e2fsprogs"]);

    public static IReadOnlyList<string> Hooks =>
    [
        "--customize-hook=chroot \"$1\" systemctl enable ssh.service",
        "--customize-hook=chroot \"$1\" passwd --lock root",
        // cloud-init's locale module sets en_US.UTF-8 unless told otherwise; stock images have it generated.
        "--customize-hook=echo 'en_US.UTF-8 UTF-8' > \"$1\"/etc/locale.gen && chroot \"$1\" locale-gen",
        // The host's resolv.conf must not ship; dhclient writes the guest's own.
        "--customize-hook=rm -f \"$1\"/etc/resolv.conf",
    ];
}
