import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AppointmentStatus,
  holdsItsSlot,
  legalTransitions,
  statusesLeadingTo,
  validateCreateAppointmentInput,
} from '../../core/domain/appointment';
import { countries, countryISOs } from '../../core/domain/countries';
import { countryRoute, topology } from '../../core/config/topology';

describe('the appointment lifecycle', () => {
  it('given the lifecycle, then PENDING becomes COMPLETED, REJECTED or CANCELLED, COMPLETED may still be CANCELLED, and REJECTED and CANCELLED are final', () => {
    expect(legalTransitions).toEqual({
      PENDING: ['COMPLETED', 'REJECTED', 'CANCELLED'],
      COMPLETED: ['CANCELLED'],
      REJECTED: [],
      CANCELLED: [],
    });
    expect(statusesLeadingTo(AppointmentStatus.COMPLETED)).toEqual(['PENDING']);
    expect(statusesLeadingTo(AppointmentStatus.CANCELLED)).toEqual(['PENDING', 'COMPLETED']);
    expect(statusesLeadingTo(AppointmentStatus.PENDING)).toEqual([]);
  });

  it('given the lifecycle, then only PENDING and COMPLETED appointments hold their slot (a retry gets them back; they may be cancelled)', () => {
    expect(Object.values(AppointmentStatus).filter(holdsItsSlot).sort()).toEqual(['COMPLETED', 'PENDING']);
  });

  it('given the schema, then its AppointmentStatus enum names exactly the lifecycle statuses', () => {
    const schema = readFileSync(join(__dirname, '../../schema.graphql'), 'utf8');
    const statuses = /enum AppointmentStatus \{([^}]*)\}/
      .exec(schema)?.[1]
      ?.split('\n')
      .map((line) => line.trim())
      .filter((line) => /^[A-Z_]+$/.test(line));
    expect(statuses).toEqual(Object.keys(legalTransitions));
  });
});

describe('input validation', () => {
  it('given an insuredId with leading zeros, when validated, then it is kept exactly as sent', () => {
    expect(validateCreateAppointmentInput({ insuredId: '00012', scheduleId: 1, countryISO: 'CL' })).toEqual({
      insuredId: '00012',
      scheduleId: 1,
      countryISO: 'CL',
    });
  });

  it('given an unknown field, when validated, then it is refused by name', () => {
    expect(() => validateCreateAppointmentInput({ insuredId: '00012', scheduleId: 1, countryISO: 'CL', doctor: 'x' })).toThrow(
      /unknown field\(s\): doctor/,
    );
  });
});

describe('the country registry and the routing topology', () => {
  it('given the registry, then Peru and Chile each have their own MySQL schema', () => {
    expect(countries.PE.mysqlSchema).toBe('mysql_pe');
    expect(countries.CL.mysqlSchema).toBe('mysql_cl');
  });

  it('given the topology, then every registered country has exactly one queue whose filter accepts only that country', () => {
    expect(topology.countryRoutes.map((route) => route.countryISO)).toEqual(countryISOs);
    for (const iso of countryISOs) {
      expect(countryRoute(iso).filterPolicy).toEqual({ [topology.appointmentRequests.routingAttribute]: [iso] });
      expect(countryRoute(iso).consumer.environment).toEqual({ COUNTRY_ISO: iso });
    }
    expect(new Set(topology.countryRoutes.map((route) => route.queueName)).size).toBe(countryISOs.length);
  });

  it('given each queue, then its visibility timeout is at least six times its worker timeout, as AWS advises', () => {
    for (const queue of [...topology.countryRoutes, topology.confirmations]) {
      expect(queue.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * queue.workerTimeoutSeconds);
    }
  });
});
