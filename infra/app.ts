import { createAppointmentsApp } from './appointments-app';

createAppointmentsApp().app.synth();
