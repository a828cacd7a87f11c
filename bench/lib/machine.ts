import { cpus, loadavg, totalmem, platform, release } from 'node:os';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  node: string;
  os: string;
  memoryGb: number;
  /** 1, 5 and 15 minute load averages when the run started (the machine may be shared). */
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    cores: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${platform()} ${release()}`,
    memoryGb: Math.round(totalmem() / 1e9),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
