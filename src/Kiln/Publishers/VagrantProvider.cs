namespace Kiln.Publishers;

internal enum VagrantProvider
{
    /// <summary>A qcow2 disk (box.img) for vagrant-libvirt.</summary>
    Libvirt,

    /// <summary>The OVF and VMDK of an OVA for VirtualBox.</summary>
    Virtualbox,

    /// <summary>The .vmx and the disks it names, from the qemu builder's vmx format, for VMware Workstation and Fusion.</summary>
    VmwareDesktop,
}
